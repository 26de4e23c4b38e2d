package io.github.streaminfer.transport.internal.http;

import io.github.streaminfer.transport.CloseCodes;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.util.ReferenceCountUtil;

/**
 * Reads the headers of the WebSocket frames a client sends before it has authenticated, in front of the frame
 * decoder, and closes the connection (1009) as soon as a header announces a message larger than an {@code auth}
 * message may be, before a byte of its payload is read or buffered. Without it the decoder would receive, and the
 * aggregator assemble, up to the frame limit (16 MiB) on the event loop before the handler could refuse it: every
 * other connection on that loop would wait for the copy.
 *
 * <p>The bytes pass through unchanged; the guard keeps only the header it is reading and how much payload is left.
 * The handler removes it once the connection is authenticated ({@link #NAME}).
 *
 * <p><b>Note:</b> one instance per connection; event loop only.
 */
public final class PreAuthFrameGuard extends ChannelInboundHandlerAdapter {
    /** The guard's name in the pipeline. */
    public static final String NAME = "ws-preauth-guard";

    private final int maxMessageBytes;
    private final byte[] header = new byte[14];
    private int headerRead;
    private long payloadLeft;
    private long messageBytes;
    private boolean refused;

    /** @param maxMessageBytes the largest message (all fragments together) allowed before authentication */
    public PreAuthFrameGuard(int maxMessageBytes) {
        this.maxMessageBytes = maxMessageBytes;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (refused) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof ByteBuf buf && !scan(buf)) {
            refused = true;
            ReferenceCountUtil.release(msg);
            String text = "message before authentication larger than " + maxMessageBytes + " bytes";
            ctx.write(new TextWebSocketFrame("{\"type\":\"error\",\"code\":\"auth_too_large\",\"message\":\"" + text
                    + "; allowed: at most " + maxMessageBytes + " until the 'connected' message\"}"));
            // the client is most likely still sending the message: closing at once would reset the connection and
            // could destroy the answer before the client reads it
            LingeringClose.holdThenClose(ctx.writeAndFlush(new CloseWebSocketFrame(CloseCodes.MESSAGE_TOO_BIG,
                    text)));
            return;
        }
        super.channelRead(ctx, msg);
    }

    /** {@return false as soon as a header announces too large a message} Reads without moving the buffer's indexes. */
    private boolean scan(ByteBuf buf) {
        int i = buf.readerIndex();
        int end = buf.writerIndex();
        while (i < end) {
            if (payloadLeft > 0) {
                int skip = (int) Math.min(payloadLeft, end - i);
                payloadLeft -= skip;
                i += skip;
                continue;
            }
            header[headerRead++] = buf.getByte(i++);
            int need = headerLength();
            if (headerRead < need) {
                continue;
            }
            int opcode = header[0] & 0x0f;
            long length = payloadLength();
            headerRead = 0;
            payloadLeft = length;
            if (opcode <= 2) { // continuation, text, binary: parts of a message
                messageBytes = (opcode == 0 ? messageBytes : 0) + length;
                if (length < 0 || messageBytes > maxMessageBytes) {
                    return false;
                }
            }
        }
        return true;
    }

    /** The header's full length, once its first two bytes are known (2 until then). */
    private int headerLength() {
        if (headerRead < 2) {
            return 2;
        }
        int len7 = header[1] & 0x7f;
        int ext = len7 == 126 ? 2 : len7 == 127 ? 8 : 0;
        return 2 + ext + ((header[1] & 0x80) != 0 ? 4 : 0);
    }

    private long payloadLength() {
        int len7 = header[1] & 0x7f;
        if (len7 < 126) {
            return len7;
        }
        long n = 0;
        int bytes = len7 == 126 ? 2 : 8;
        for (int k = 0; k < bytes; k++) {
            n = (n << 8) | (header[2 + k] & 0xff);
        }
        return n; // negative for a 64-bit length with its top bit set: refused as too large
    }
}
