package io.github.streaminfer.transport;

import io.github.streaminfer.session.WorkerPool;
import io.github.streaminfer.transport.internal.http.IoTransport;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.util.concurrent.EventExecutor;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A set of I/O threads (Netty event loops) that outlives the servers using it, so that sessions can run on the
 * threads that read their frames: {@code WorkerPool.onExecutors(name, loops.executors())} gives a pool whose
 * sessions are bound to the event loop of the connection that feeds them, and
 * {@link StreamingServer.Builder#eventLoops(EventLoops)} makes a server read and write on these loops. A frame is
 * then read, decoded, inferred and answered on one thread, with no hand-over between threads: on a machine with
 * few cores that is most of the tail latency a client sees.
 *
 * <p>The trade: while an event loop infers a frame it reads no socket, so other connections on that loop wait up to
 * one frame's decode and inference. Use it for models and image sizes whose frames cost a millisecond or so, keep
 * {@link ServerLimits}' image limits tight, and prefer a separate worker pool for slow models.
 *
 * <p><b>Note:</b> thread-safe. Close it after every server that uses it.
 *
 * @since 0.1.0
 */
public final class EventLoops implements AutoCloseable {
    private final IoTransport io;
    private final EventLoopGroup group;
    private final List<ScheduledExecutorService> executors;

    private EventLoops(int threads, boolean preferNative) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads is " + threads + "; allowed: >= 1");
        }
        this.io = IoTransport.select(preferNative);
        this.group = new MultiThreadIoEventLoopGroup(threads, io.ioFactory());
        List<ScheduledExecutorService> list = new ArrayList<>();
        for (EventExecutor e : group) {
            list.add(e);
        }
        this.executors = List.copyOf(list);
    }

    /**
     * Starts {@code threads} event loops on Linux's native epoll when it loads, Java NIO otherwise.
     *
     * @param threads event-loop threads, {@code >= 1}
     * @return the running loops
     */
    public static EventLoops create(int threads) {
        return new EventLoops(threads, true);
    }

    /**
     * Starts {@code threads} event loops.
     *
     * @param threads      event-loop threads, {@code >= 1}
     * @param preferNative false forces Java NIO
     * @return the running loops
     */
    public static EventLoops create(int threads, boolean preferNative) {
        return new EventLoops(threads, preferNative);
    }

    /** {@return the event loops, one single-threaded executor each, for {@link WorkerPool#onExecutors}} */
    public List<ScheduledExecutorService> executors() {
        return executors;
    }

    /** {@return the number of event-loop threads} */
    public int threads() {
        return executors.size();
    }

    /** {@return {@code "epoll"} or {@code "nio"}} */
    public String ioTransport() {
        return io.name();
    }

    IoTransport io() {
        return io;
    }

    EventLoopGroup group() {
        return group;
    }

    /** Stops the event loops (after the servers using them have closed). Idempotent. */
    @Override
    public void close() {
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
