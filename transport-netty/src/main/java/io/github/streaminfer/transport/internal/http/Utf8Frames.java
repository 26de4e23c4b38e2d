package io.github.streaminfer.transport.internal.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.util.ReferenceCountUtil;

import java.nio.ByteBuffer;

/**
 * Checks that every WebSocket text message is well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing
 * above U+10FFFF), fragment by fragment as they arrive, so an invalid message is refused (close 1007) before the rest
 * of it is buffered.
 *
 * <p>Text messages on these endpoints are JSON, almost all of it ASCII: a VLA frame carries its image as base64, up to
 * 11 MB of it. Eight bytes at a time are tested for a byte above 0x7F, and only the bytes of multi-byte characters go
 * through the state machine. Netty's own validator takes every byte through its state machine, and on such a frame
 * that was half of an event loop's time.
 *
 * <p><b>Note:</b> one instance per connection; event loop only.
 */
public final class Utf8Frames extends ChannelInboundHandlerAdapter {
    private static final long HIGH_BITS = 0x8080808080808080L;

    private final Utf8Check check = new Utf8Check();
    private boolean inText;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        boolean text = msg instanceof TextWebSocketFrame;
        if (text || (inText && msg instanceof ContinuationWebSocketFrame)) {
            WebSocketFrame f = (WebSocketFrame) msg;
            if (text) {
                check.reset();
            }
            inText = !f.isFinalFragment();
            if (!check.feed(f.content()) || (!inText && !check.complete())) {
                ReferenceCountUtil.release(msg);
                inText = false;
                throw new CorruptedWebSocketFrameException(WebSocketCloseStatus.INVALID_PAYLOAD_DATA,
                        "text message is not valid UTF-8");
            }
        }
        super.channelRead(ctx, msg);
    }

    /** The validator, usable on its own: {@link #feed} the parts of one text in order, then ask {@link #complete}. */
    static final class Utf8Check {
        /** Continuation bytes the current character still needs. */
        private int need;
        /** The range the next continuation byte must fall in (narrower after E0, ED, F0 and F4). */
        private int lo = 0x80;
        private int hi = 0xBF;

        void reset() {
            need = 0;
            lo = 0x80;
            hi = 0xBF;
        }

        /** {@return true if every character of the text so far ended well or may still end well} */
        boolean complete() {
            return need == 0;
        }

        /**
         * Reads the readable bytes of {@code buf} without moving its indexes.
         *
         * @return false as soon as a byte cannot be part of well-formed UTF-8
         */
        boolean feed(ByteBuf buf) {
            if (buf.readableBytes() == 0) {
                return true;
            }
            if (buf.nioBufferCount() == 1) {
                return feed(buf.nioBuffer());
            }
            for (ByteBuffer part : buf.nioBuffers()) {
                if (!feed(part)) {
                    return false;
                }
            }
            return true;
        }

        /** {@return false as soon as a byte cannot be part of well-formed UTF-8} Reads position to limit. */
        boolean feed(ByteBuffer b) {
            int i = b.position();
            int end = b.limit();
            while (i < end) {
                if (need == 0) {
                    while (i + 8 <= end && (b.getLong(i) & HIGH_BITS) == 0) {
                        i += 8;
                    }
                    if (i == end) {
                        break;
                    }
                    int c = b.get(i++) & 0xFF;
                    if (c < 0x80) {
                        continue;
                    }
                    if (!lead(c)) {
                        return false;
                    }
                } else {
                    int c = b.get(i++) & 0xFF;
                    if (c < lo || c > hi) {
                        return false;
                    }
                    need--;
                    lo = 0x80;
                    hi = 0xBF;
                }
            }
            return true;
        }

        /** A byte that starts a multi-byte character: how many follow, and what the first of them may be. */
        private boolean lead(int c) {
            if (c < 0xC2) { // a continuation byte with no lead, or an overlong two-byte form
                return false;
            }
            if (c < 0xE0) {
                need = 1;
            } else if (c < 0xF0) {
                need = 2;
                lo = c == 0xE0 ? 0xA0 : 0x80; // E0 80..9F would be overlong
                hi = c == 0xED ? 0x9F : 0xBF; // ED A0..BF would be a surrogate
            } else if (c < 0xF5) {
                need = 3;
                lo = c == 0xF0 ? 0x90 : 0x80; // F0 80..8F would be overlong
                hi = c == 0xF4 ? 0x8F : 0xBF; // F4 90.. would be above U+10FFFF
            } else {
                return false;
            }
            return true;
        }
    }
}
