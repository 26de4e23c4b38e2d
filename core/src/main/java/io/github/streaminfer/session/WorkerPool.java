package io.github.streaminfer.session;

import io.github.streaminfer.concurrent.IdleStrategy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A fixed set of worker threads shared by many sessions, for servers that host more sessions than they have cores.
 * Each session is pinned to the least-loaded thread when it registers; a thread cycles through its sessions, giving
 * each at most one frame per cycle, so one busy session cannot starve the others on its thread.
 *
 * <p><b>Note:</b> thread-safe. Closing the pool stops its threads and closes the sessions still registered.
 */
public final class WorkerPool implements AutoCloseable {
    private final String name;
    private final Runner[] runners;
    private volatile boolean closed;

    /**
     * @param name    prefix of the thread names
     * @param threads number of threads, {@code >= 1}
     * @param idle    idle strategy (copied per thread)
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
     * @param name    prefix of the thread names
     * @param threads number of threads
     * @return a pool whose threads spin briefly, then park with back-off
     */
    public static WorkerPool create(String name, int threads) {
        return new WorkerPool(name, threads, IdleStrategy.backoff());
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

    synchronized void register(StreamingInferenceSession<?, ?> session) {
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

    private static final class Runner implements Runnable {
        final Thread thread;
        final IdleStrategy idle;
        volatile StreamingInferenceSession<?, ?>[] sessions = new StreamingInferenceSession<?, ?>[0];
        volatile boolean running = true;

        Runner(String threadName, IdleStrategy idle) {
            this.idle = idle;
            this.thread = new Thread(this, threadName);
            thread.setDaemon(true);
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
                idle.idle(work);
            }
        }
    }
}
