package io.github.streaminfer.session;

import io.github.streaminfer.concurrent.IdleStrategy;
import io.github.streaminfer.concurrent.WakeSignal;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A fixed set of worker threads shared by many sessions, for servers that host more sessions than they have cores.
 * Each session is pinned to the least-loaded thread when it registers; a thread cycles through its sessions, giving
 * each at most one frame per cycle, so one busy session cannot starve the others on its thread.
 *
 * <p><b>Idle.</b> With the default {@link IdleStrategy#parking()} a thread whose sessions have nothing to do sleeps
 * until a producer submits to one of them (the session wakes the thread it is pinned to), a reset is requested, or a
 * paced frame of one of its sessions falls due. Silent sessions cost no CPU. A submit that finds its thread busy with
 * another session costs only a volatile read: the thread looks at every session again before it sleeps.
 *
 * <p><b>Sizing.</b> Count threads against cores: inference threads that outnumber the cores left beside the
 * transport's event loops only queue behind each other and delay the event loops. {@link #forServer(String, int)}
 * sizes a pool from the cores that remain; {@link #serverEventLoops()} says how many event loops to pair it with.
 *
 * <p><b>Note:</b> thread-safe. Closing the pool stops its threads and closes the sessions still registered.
 *
 * @since 0.1.0
 */
public final class WorkerPool implements AutoCloseable {
    private final String name;
    private final Runner[] runners;
    private volatile boolean closed;

    /**
     * Starts {@code threads} worker threads with the given idle strategy.
     *
     * @param name    prefix of the thread names
     * @param threads number of threads, {@code >= 1}
     * @param idle    idle strategy (copied per thread); {@link IdleStrategy#parking()} unless the pool owns its
     *                cores
     */
    public WorkerPool(String name, int threads, IdleStrategy idle) {
        this.name = Objects.requireNonNull(name, "name");
        if (threads < 1) {
            throw new IllegalArgumentException("threads is " + threads + "; allowed: >= 1");
        }
        runners = new Runner[threads];
        for (int i = 0; i < threads; i++) {
            runners[i] = new Runner(name + "-" + i, idle.copy());
            runners[i].thread.start();
        }
    }

    /**
     * Creates a pool of exactly {@code threads} threads that sleep while idle ({@link IdleStrategy#parking()}).
     * More threads than free cores add no throughput, only contention: a server should prefer
     * {@link #forServer(String, int)}, which counts its event loops against the cores.
     *
     * @param name    prefix of the thread names
     * @param threads number of threads, {@code >= 1}
     * @return a pool whose idle threads sleep until a producer wakes them
     */
    public static WorkerPool create(String name, int threads) {
        return new WorkerPool(name, threads, IdleStrategy.parking());
    }

    /**
     * Creates a pool sized for a server whose transport runs {@code eventLoopThreads} event-loop threads: the cores
     * left after the event loops, at least one ({@link #workersBeside(int, int)} on this machine's available
     * processors). On two cores with one event loop that is one worker. Its threads sleep while idle.
     *
     * @param name             prefix of the thread names
     * @param eventLoopThreads the transport's busy event-loop threads, {@code >= 0}
     * @return a pool that, together with the event loops, does not oversubscribe the machine (except on one core)
     */
    public static WorkerPool forServer(String name, int eventLoopThreads) {
        return create(name, workersBeside(Runtime.getRuntime().availableProcessors(), eventLoopThreads));
    }

    /**
     * {@return worker threads to run beside {@code eventLoopThreads} event loops on {@code cores} cores:
     * {@code max(1, cores - eventLoopThreads)}}
     *
     * @param cores            cores available to the process, {@code >= 1}
     * @param eventLoopThreads busy event-loop threads, {@code >= 0}
     */
    public static int workersBeside(int cores, int eventLoopThreads) {
        if (cores < 1) {
            throw new IllegalArgumentException("cores is " + cores + "; allowed: >= 1");
        }
        if (eventLoopThreads < 0) {
            throw new IllegalArgumentException("eventLoopThreads is " + eventLoopThreads + "; allowed: >= 0");
        }
        return Math.max(1, cores - eventLoopThreads);
    }

    /**
     * {@return event-loop threads for a server on {@code cores} cores that runs inference on a pool from
     * {@link #forServer(String, int)}: {@code max(1, cores / 4)}, so that I/O gets a quarter of the machine and
     * inference (decode, preprocess, model) the rest; 1 on two cores}
     *
     * @param cores cores available to the process, {@code >= 1}
     */
    public static int serverEventLoops(int cores) {
        if (cores < 1) {
            throw new IllegalArgumentException("cores is " + cores + "; allowed: >= 1");
        }
        return Math.max(1, cores / 4);
    }

    /** {@return {@link #serverEventLoops(int)} for this machine's available processors} */
    public static int serverEventLoops() {
        return serverEventLoops(Runtime.getRuntime().availableProcessors());
    }

    /** @return number of threads */
    public int threads() {
        return runners.length;
    }

    /** @return sessions currently registered */
    public int sessions() {
        int n = 0;
        for (Runner r : runners) {
            n += r.sessions.length;
        }
        return n;
    }

    /**
     * Pins a session to the least-loaded thread.
     *
     * @return the wake-up signal of that thread, for the session's producers
     */
    synchronized WakeSignal register(StreamingInferenceSession<?, ?> session) {
        if (closed) {
            throw new IllegalStateException("worker pool '" + name + "' is closed");
        }
        Runner least = runners[0];
        for (Runner r : runners) {
            if (r.sessions.length < least.sessions.length) {
                least = r;
            }
        }
        StreamingInferenceSession<?, ?>[] next = Arrays.copyOf(least.sessions, least.sessions.length + 1);
        next[next.length - 1] = session;
        least.sessions = next;
        return least.signal;
    }

    synchronized void deregister(StreamingInferenceSession<?, ?> session) {
        for (Runner r : runners) {
            StreamingInferenceSession<?, ?>[] cur = r.sessions;
            for (int i = 0; i < cur.length; i++) {
                if (cur[i] == session) {
                    StreamingInferenceSession<?, ?>[] next = new StreamingInferenceSession<?, ?>[cur.length - 1];
                    System.arraycopy(cur, 0, next, 0, i);
                    System.arraycopy(cur, i + 1, next, i, cur.length - i - 1);
                    r.sessions = next;
                    return;
                }
            }
        }
    }

    /** Stops the threads, then closes every session still registered. */
    @Override
    public void close() {
        List<StreamingInferenceSession<?, ?>> remaining = new ArrayList<>();
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        for (Runner r : runners) {
            r.running = false;
            r.signal.wake();
        }
        for (Runner r : runners) {
            try {
                r.thread.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            remaining.addAll(Arrays.asList(r.sessions));
        }
        for (StreamingInferenceSession<?, ?> s : remaining) {
            s.close();
        }
    }

    /** One pool thread: cycles through its sessions, then idles on its own signal. */
    private static final class Runner implements Runnable, WakeSignal.Condition {
        final Thread thread;
        final IdleStrategy idle;
        final WakeSignal signal = new WakeSignal(this);
        volatile StreamingInferenceSession<?, ?>[] sessions = new StreamingInferenceSession<?, ?>[0];
        volatile boolean running = true;

        Runner(String threadName, IdleStrategy idle) {
            this.idle = idle;
            this.thread = new Thread(this, threadName);
            thread.setDaemon(true);
        }

        /** The soonest any session on this thread needs it: 0 if one has work now (or the pool is closing). */
        @Override
        public long parkNanos() {
            if (!running) {
                return 0;
            }
            long soonest = Long.MAX_VALUE;
            for (StreamingInferenceSession<?, ?> s : sessions) {
                long n = s.parkNanos();
                if (n < soonest) {
                    if (n <= 0) {
                        return 0;
                    }
                    soonest = n;
                }
            }
            return soonest;
        }

        @Override
        public void run() {
            while (running) {
                int work = 0;
                StreamingInferenceSession<?, ?>[] current = sessions;
                for (StreamingInferenceSession<?, ?> s : current) {
                    try {
                        work += s.doWork();
                    } catch (Throwable t) {
                        s.onWorkerError(t);
                    }
                }
                idle.idle(work, signal);
            }
        }
    }
}
