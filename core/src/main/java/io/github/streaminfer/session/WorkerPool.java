package io.github.streaminfer.session;

import io.github.streaminfer.concurrent.IdleStrategy;
import io.github.streaminfer.concurrent.WakeSignal;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;

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
 * <p><b>On executors.</b> {@link #onExecutors(String, Iterable)} runs the sessions on executors someone else owns,
 * typically a server's event loops, instead of threads of its own. A session is bound to the executor whose thread
 * first feeds it, so a connection's frames are read, inferred and answered on one thread, with no hand-over between
 * threads; each executor then cycles through its sessions as above, one frame each, between its other tasks.
 *
 * <p><b>Note:</b> thread-safe. Closing the pool stops its threads (not the executors of an executor pool) and closes
 * the sessions still registered.
 *
 * @since 0.1.0
 */
public final class WorkerPool implements AutoCloseable {
    private final String name;
    private final Runner[] runners;
    private final ExecutorLane[] lanes;
    /** Sessions of an executor pool that no producer has fed yet, so they are bound to no lane. */
    private final Set<StreamingInferenceSession<?, ?>> unbound = Collections.newSetFromMap(new IdentityHashMap<>());
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
        lanes = new ExecutorLane[0];
    }

    private WorkerPool(String name, List<ScheduledExecutorService> executors) {
        this.name = name;
        this.runners = new Runner[0];
        this.lanes = new ExecutorLane[executors.size()];
        for (int i = 0; i < lanes.length; i++) {
            lanes[i] = new ExecutorLane(executors.get(i));
        }
    }

    /**
     * Creates a pool that starts no threads: its sessions run on the given executors, each a single thread that
     * runs one task at a time (Netty's event loops are). A session is bound to the executor whose thread first
     * submits to it, or to the least-loaded one when no executor's thread does; a frame submitted on that thread
     * is then inferred on it too, right after the executor's current task, and its result is delivered there.
     *
     * <p>This removes the two thread hand-overs of a server whose event loop reads a frame, a worker infers it and
     * the event loop writes the answer, which is what a small machine's tail latency is made of. The price: while a
     * frame is inferred the executor does nothing else, so every frame's decode and inference must be cheap and
     * bounded (limit image sizes), and nothing that runs on these executors may block waiting for a session bound
     * to the same executor (for example {@link StreamingInferenceSession#drainAndClose}).
     *
     * @param name      name of the pool, for messages
     * @param executors the executors, at least one; the pool does not shut them down
     * @return a pool whose sessions run on {@code executors}
     */
    public static WorkerPool onExecutors(String name, Iterable<? extends ScheduledExecutorService> executors) {
        Objects.requireNonNull(name, "name");
        List<ScheduledExecutorService> list = new ArrayList<>();
        for (ScheduledExecutorService e : executors) {
            list.add(Objects.requireNonNull(e, "executor"));
        }
        if (list.isEmpty()) {
            throw new IllegalArgumentException("executors is empty; allowed: at least one executor");
        }
        return new WorkerPool(name, list);
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

    /** {@return the number of threads or executors the sessions run on} */
    public int threads() {
        return runners.length + lanes.length;
    }

    /** {@return whether the sessions run on executors the pool does not own (see {@link #onExecutors})} */
    public boolean runsOnExecutors() {
        return lanes.length > 0;
    }

    /** {@return the number of sessions currently registered} */
    public synchronized int sessions() {
        int n = unbound.size();
        for (Runner r : runners) {
            n += r.sessions.length;
        }
        for (ExecutorLane l : lanes) {
            n += l.sessions.length;
        }
        return n;
    }

    /**
     * Pins a session to the least-loaded thread, or, on an executor pool, registers it to be bound to a lane when
     * it is first fed.
     *
     * @return what the session's producers wake
     */
    synchronized Waker register(StreamingInferenceSession<?, ?> session) {
        if (closed) {
            throw new IllegalStateException("worker pool '" + name + "' is closed");
        }
        if (lanes.length > 0) {
            unbound.add(session);
            return new LaneBinding(session);
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
        return least;
    }

    /**
     * Binds an executor pool's session to the lane of the calling thread, or to the least-loaded lane.
     *
     * @return the lane, or null if the session was deregistered (closed) or the pool closed meanwhile
     */
    private synchronized ExecutorLane bind(LaneBinding b) {
        if (b.lane != null) {
            return b.lane;
        }
        if (closed || !unbound.remove(b.session)) {
            return null;
        }
        Thread self = Thread.currentThread();
        ExecutorLane chosen = null;
        for (ExecutorLane l : lanes) {
            if (l.thread == self) {
                chosen = l;
                break;
            }
            if (chosen == null || l.sessions.length < chosen.sessions.length) {
                chosen = l;
            }
        }
        StreamingInferenceSession<?, ?>[] next = Arrays.copyOf(chosen.sessions, chosen.sessions.length + 1);
        next[next.length - 1] = b.session;
        chosen.sessions = next;
        b.lane = chosen;
        return chosen;
    }

    synchronized void deregister(StreamingInferenceSession<?, ?> session) {
        if (unbound.remove(session)) {
            return;
        }
        for (ExecutorLane l : lanes) {
            StreamingInferenceSession<?, ?>[] cur = l.sessions;
            int i = Arrays.asList(cur).indexOf(session);
            if (i >= 0) {
                l.sessions = without(cur, i);
                return;
            }
        }
        for (Runner r : runners) {
            StreamingInferenceSession<?, ?>[] cur = r.sessions;
            for (int i = 0; i < cur.length; i++) {
                if (cur[i] == session) {
                    r.sessions = without(cur, i);
                    return;
                }
            }
        }
    }

    private static StreamingInferenceSession<?, ?>[] without(StreamingInferenceSession<?, ?>[] cur, int i) {
        StreamingInferenceSession<?, ?>[] next = new StreamingInferenceSession<?, ?>[cur.length - 1];
        System.arraycopy(cur, 0, next, 0, i);
        System.arraycopy(cur, i + 1, next, i, cur.length - i - 1);
        return next;
    }

    /** Stops the threads (an executor pool's lanes stop taking cycles), then closes every session still registered. */
    @Override
    public void close() {
        List<StreamingInferenceSession<?, ?>> remaining = new ArrayList<>();
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            remaining.addAll(unbound);
            unbound.clear();
            for (ExecutorLane l : lanes) {
                l.running = false;
                remaining.addAll(Arrays.asList(l.sessions));
            }
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

    /** An executor pool session's producers' handle: binds the session to a lane on its first wake-up. */
    private final class LaneBinding implements Waker {
        final StreamingInferenceSession<?, ?> session;
        volatile ExecutorLane lane;

        LaneBinding(StreamingInferenceSession<?, ?> session) {
            this.session = session;
        }

        @Override
        public void wake() {
            ExecutorLane l = lane;
            if (l == null) {
                l = bind(this);
            }
            if (l != null) {
                l.wake();
            }
        }
    }

    /** One pool thread: cycles through its sessions, then idles on its own signal. */
    private static final class Runner implements Runnable, WakeSignal.Condition, Waker {
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

        @Override
        public void wake() {
            signal.wake();
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
