package io.github.streaminfer.transport.internal.http;

import io.netty.channel.Channel;
import io.netty.util.ReferenceCountUtil;

import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * Sends results from a session's worker to one connection without ever growing memory for a slow reader: while the
 * channel is writable a message is written at once; while it is not (its outbound bytes passed the high
 * watermark), only the newest message waits and older ones are dropped and counted. When the channel becomes
 * writable again the waiting one goes out.
 *
 * <p><b>Note:</b> {@link #send} is safe from any thread; {@link #flushPending()} runs on the channel's event loop.
 */
public final class Outbound implements Runnable {
    private final Channel channel;
    private final AtomicReference<Object> pending = new AtomicReference<>();
    private final LongAdder sent = new LongAdder();
    private final LongAdder conflated = new LongAdder();

    /** @param channel the connection */
    public Outbound(Channel channel) {
        this.channel = channel;
    }

    /** @return the channel */
    public Channel channel() {
        return channel;
    }

    /**
     * Sends a result message (a reference-counted frame or HTTP chunk); the newest wins under back-pressure.
     *
     * @param msg the message; ownership passes to this method
     */
    public void send(Object msg) {
        if (!channel.isActive()) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (pending.get() == null && channel.isWritable()) {
            sent.increment();
            channel.writeAndFlush(msg, channel.voidPromise());
            return;
        }
        Object old = pending.getAndSet(msg);
        if (old != null) {
            conflated.increment();
            ReferenceCountUtil.release(old);
        }
        if (channel.isWritable()) {
            channel.eventLoop().execute(this);
        }
    }

    /** Writes the waiting message, if any. Event loop only. */
    public void flushPending() {
        Object m = pending.getAndSet(null);
        if (m != null) {
            if (channel.isActive()) {
                sent.increment();
                channel.writeAndFlush(m, channel.voidPromise());
            } else {
                ReferenceCountUtil.release(m);
            }
        }
    }

    @Override
    public void run() {
        if (channel.isWritable()) {
            flushPending();
        }
    }

    /** @return messages waiting (0 or 1) */
    public int waiting() {
        return pending.get() == null ? 0 : 1;
    }

    /** @return messages written */
    public long sent() {
        return sent.sum();
    }

    /** @return messages dropped because a newer one replaced them while the client was not reading */
    public long conflated() {
        return conflated.sum();
    }

    /** Releases a waiting message; call when the connection closes. */
    public void dispose() {
        Object m = pending.getAndSet(null);
        if (m != null) {
            ReferenceCountUtil.release(m);
        }
    }
}
