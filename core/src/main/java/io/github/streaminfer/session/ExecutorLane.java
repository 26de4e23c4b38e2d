package io.github.streaminfer.session;

import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One lane of a {@link WorkerPool#onExecutors executor pool}: runs the duty cycles of the sessions bound to it as
 * tasks on a single-threaded executor that someone else owns, typically a server's event loop. A frame submitted on
 * that executor's own thread is then decoded, inferred and answered on the same thread, with no hand-over.
 *
 * <p>A cycle gives each session at most one frame, then yields the executor. If any session had work, the next
 * cycle is <em>scheduled</em> with no delay rather than submitted: an event loop runs due scheduled tasks only after
 * its next I/O pass, while a task submitted from a task runs in the same pass, so a loaded executor would infer
 * queued frames without reading its sockets (and without seeing that newer frames have replaced them). Each such
 * cycle costs the executor one small scheduled-task object. With nothing to do the lane schedules nothing, unless a
 * paced frame falls due, and a producer's {@link #wake()} submits it again.
 *
 * <p><b>Note:</b> {@link #wake()} is safe from any thread; {@link #run()} runs on the executor only.
 */
final class ExecutorLane implements Runnable {
    private static final StreamingInferenceSession<?, ?>[] NONE = new StreamingInferenceSession<?, ?>[0];

    private final ScheduledExecutorService executor;
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private final Runnable timer = this::wake;
    volatile StreamingInferenceSession<?, ?>[] sessions = NONE;
    /** The executor's thread, learnt from its first task; sessions first fed from it are bound here. */
    volatile Thread thread;
    volatile boolean running = true;

    ExecutorLane(ScheduledExecutorService executor) {
        this.executor = executor;
        submit(() -> thread = Thread.currentThread());
    }

    /**
     * Schedules a cycle unless one is already pending. The producer's publication of its frame must come before
     * this call with a full fence between (the session's submit path has one), so that either the pending cycle
     * sees the frame or this call sees no pending cycle.
     */
    void wake() {
        if (!scheduled.get() && scheduled.compareAndSet(false, true)) {
            submit(this);
        }
    }

    @Override
    public void run() {
        // the read-modify-write is the fence that orders "no cycle pending" before this cycle's look at the queues
        scheduled.getAndSet(false);
        if (!running) {
            return;
        }
        int work = 0;
        for (StreamingInferenceSession<?, ?> s : sessions) {
            try {
                work += s.doWork();
            } catch (Throwable t) {
                s.onWorkerError(t);
            }
        }
        if (work > 0) {
            // more may wait: the next cycle runs after the executor's next I/O pass
            if (scheduled.compareAndSet(false, true)) {
                schedule(this, 0);
            }
            return;
        }
        long soonest = Long.MAX_VALUE;
        for (StreamingInferenceSession<?, ?> s : sessions) {
            soonest = Math.min(soonest, s.parkNanos());
        }
        if (soonest <= 0) {
            wake();
        } else if (soonest != Long.MAX_VALUE) {
            schedule(timer, soonest);
        }
    }

    private void schedule(Runnable task, long delayNanos) {
        try {
            executor.schedule(task, delayNanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            running = false; // the executor is shutting down; the pool's close() closes the sessions
        }
    }

    private void submit(Runnable task) {
        try {
            executor.execute(task);
        } catch (RejectedExecutionException e) {
            running = false; // the executor is shutting down; the pool's close() closes the sessions
        }
    }
}
