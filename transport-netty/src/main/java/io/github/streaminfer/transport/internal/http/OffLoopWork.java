package io.github.streaminfer.transport.internal.http;

import io.netty.channel.Channel;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;

import java.util.ArrayDeque;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * One connection's expensive message work (parsing a large message), run on the server's parse threads instead of the
 * event loop, in the connection's order: while the work runs, the connection reads nothing more, messages already
 * decoded from what it read wait here, and when the result has been handled on the event loop they are handled in
 * the order they came, each with the time it arrived.
 *
 * <p>The event loop serves every other connection meanwhile; the work competes for a core with them, as the
 * operating system shares it, instead of holding up all of them until it ends.
 *
 * <p><b>Note:</b> one instance per connection; event loop only, except the work itself.
 */
public final class OffLoopWork {

    /** Handles one message, on the event loop. */
    @FunctionalInterface
    public interface Handler {
        /**
         * @param frame   the message (released by the caller afterwards)
         * @param arrival when it was read, {@link System#nanoTime()}
         */
        void handle(WebSocketFrame frame, long arrival);
    }

    private record Held(WebSocketFrame frame, long arrival) {
    }

    private final ArrayDeque<Held> held = new ArrayDeque<>();
    private final Channel channel;
    private final Executor executor;
    private final Handler handler;
    private boolean busy;

    /**
     * @param channel  the connection
     * @param executor where the work runs
     * @param handler  what handles the messages that waited, once the work's result has been handled
     */
    public OffLoopWork(Channel channel, Executor executor, Handler handler) {
        this.channel = channel;
        this.executor = executor;
        this.handler = handler;
    }

    /** {@return true while work runs: a message that arrives now goes to {@link #hold}} */
    public boolean busy() {
        return busy;
    }

    /**
     * Keeps a message until the work is done.
     *
     * @param frame   the message (retained here)
     * @param arrival when it was read
     */
    public void hold(WebSocketFrame frame, long arrival) {
        held.add(new Held(frame.retain(), arrival));
    }

    /**
     * Runs {@code work} on the parse threads, then {@code done} with its result on the event loop, then the messages
     * held meanwhile. The work must touch nothing the event loop touches meanwhile, and release what it holds
     * (also when it throws). If it throws, the connection gets the exception, as if a handler had thrown it.
     *
     * @param work the work
     * @param done what the event loop does with its result
     * @param <T>  the result type
     */
    public <T> void submit(Supplier<T> work, Consumer<T> done) {
        busy = true;
        channel.config().setAutoRead(false);
        Runnable task = () -> {
            T result = null;
            Throwable failure = null;
            try {
                result = work.get();
            } catch (Throwable t) {
                failure = t;
            }
            T r = result;
            Throwable f = failure;
            channel.eventLoop().execute(() -> finish(r, f, done));
        };
        try {
            executor.execute(task);
        } catch (RejectedExecutionException e) {
            task.run(); // the server is stopping: the work runs here, its result is still handled after this message
        }
    }

    private <T> void finish(T result, Throwable failure, Consumer<T> done) {
        busy = false;
        if (failure != null) {
            discard();
            channel.pipeline().fireExceptionCaught(failure);
            return;
        }
        done.accept(result);
        while (!busy && !held.isEmpty()) {
            Held h = held.poll();
            try {
                handler.handle(h.frame, h.arrival);
            } finally {
                h.frame.release();
            }
        }
        if (!busy && channel.isActive()) {
            channel.config().setAutoRead(true);
        }
    }

    /** Releases the messages that wait: the connection is gone. */
    public void discard() {
        Held h;
        while ((h = held.poll()) != null) {
            h.frame.release();
        }
    }
}
