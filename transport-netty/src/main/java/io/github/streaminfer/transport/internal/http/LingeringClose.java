package io.github.streaminfer.transport.internal.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;

import java.util.concurrent.TimeUnit;

/**
 * Closes a connection whose client may still be sending, without losing the answer just written to it.
 *
 * <p>Closing a TCP socket with unread input makes the kernel send a reset, and a reset can destroy a response the
 * client has not read yet: a client uploading a body over the limit would see "connection reset" instead of our
 * 413. So, once the answer is written, the server stops sending (a FIN, not a reset), then reads and drops what the
 * client still sends until it closes, for at most {@code maxBytes} and {@code maxMillis}. Both bounds keep an
 * attacker from holding the connection open this way.
 *
 * <p>Where reading the rest is not worth it (a WebSocket message refused from its header, which may announce
 * megabytes), {@link #holdThenClose} stops sending the same way but reads nothing: the client's sends stall on a full
 * window while it reads the answer, and the connection is closed {@link #HOLD_MILLIS} later. The client's reset
 * comes only after it had that time to read the answer, and a client that refuses to stop sending costs no CPU.
 *
 * <p><b>Note:</b> call on the channel's event loop.
 */
public final class LingeringClose {
    /** What a client may still send after the answer, in bytes. */
    public static final long MAX_BYTES = 4L * 1024 * 1024;
    /** How long the server waits for the client to close, in milliseconds. */
    public static final long MAX_MILLIS = 2_000;
    /** How long {@link #holdThenClose} keeps a connection before closing it, in milliseconds. */
    public static final long HOLD_MILLIS = 500;

    private LingeringClose() {
    }

    /**
     * Closes the channel once {@code answer} is written, lingering as described above.
     *
     * @param answer the write of the last response
     */
    public static void after(ChannelFuture answer) {
        answer.addListener(f -> start(answer.channel(), MAX_BYTES, MAX_MILLIS));
    }

    /**
     * Closes the channel {@link #HOLD_MILLIS} after {@code answer} is written, reading nothing more from it.
     *
     * @param answer the write of the last message
     */
    public static void holdThenClose(ChannelFuture answer) {
        answer.addListener(f -> hold(answer.channel(), HOLD_MILLIS));
    }

    static void hold(Channel ch, long millis) {
        if (!ch.isActive() || !(ch instanceof DuplexChannel duplex)) {
            ch.close();
            return;
        }
        ch.config().setAutoRead(false);
        ch.eventLoop().schedule(() -> {
            ch.close();
        }, millis, TimeUnit.MILLISECONDS);
        duplex.shutdownOutput().addListener(f -> {
            if (!f.isSuccess()) {
                ch.close();
            }
        });
    }

    static void start(Channel ch, long maxBytes, long maxMillis) {
        if (!ch.isActive() || !(ch instanceof DuplexChannel duplex)) {
            ch.close();
            return;
        }
        Drain drain = new Drain(maxBytes);
        ch.pipeline().addFirst("lingering-close", drain);
        drain.timer = ch.eventLoop().schedule(() -> {
            ch.close();
        }, maxMillis, TimeUnit.MILLISECONDS);
        ch.config().setAutoRead(true);
        duplex.shutdownOutput().addListener(f -> {
            if (!f.isSuccess()) {
                ch.close();
            }
        });
    }

    /** Drops every inbound message and closes when the client does or when the byte budget runs out. */
    private static final class Drain extends ChannelInboundHandlerAdapter {
        private long budget;
        ScheduledFuture<?> timer;

        Drain(long budget) {
            this.budget = budget;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof io.netty.buffer.ByteBuf b) {
                budget -= b.readableBytes();
            }
            ReferenceCountUtil.release(msg);
            if (budget < 0) {
                ctx.close();
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            ReferenceCountUtil.release(evt);
            if (evt instanceof io.netty.channel.socket.ChannelInputShutdownEvent) {
                ctx.close();
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (timer != null) {
                timer.cancel(false);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
