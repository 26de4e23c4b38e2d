package io.github.streaminfer.session;

import io.github.streaminfer.concurrent.IdleStrategy;
import io.github.streaminfer.concurrent.WakeSignal;
import io.github.streaminfer.time.NanoClock;

import static io.github.streaminfer.session.SessionCounters.DROPPED_RESET;
import static io.github.streaminfer.session.SessionCounters.IN_FLIGHT;

/**
 * A session's duty cycle: applies a pending reset, takes due frames from the ingress (paced by
 * {@link SessionConfig#targetFps()}) and hands each to the {@link FrameProcessor}; tells whatever runs it how long
 * it may sleep; and, on a dedicated thread, is that thread's loop. Its per-frame state lives here, apart from the
 * session object whose fields producers read on every submit.
 *
 * <p><b>Note:</b> worker-confined: {@link #doWork()}, {@link #parkNanos()} and {@link #performReset()} run on the
 * thread that runs the session's cycles (one at a time); allocation-free and lock-free.
 *
 * @param <I> observation type
 * @param <O> result value type
 */
final class SessionWorker<I, O> {
    /** How often a worker waiting for a paced frame looks at a clock other than {@link NanoClock#SYSTEM}. */
    private static final long FOREIGN_CLOCK_POLL_NANOS = 1_000_000;

    private final SessionLifecycle lifecycle;
    private final FrameProcessor<I, O> processor;
    private final Ingress ingress;
    private final SessionCounters counters;
    private final NanoClock clock;
    private final RateLimiter rateLimiter;
    private final ErrorReporter errors;
    private final long paceIntervalNanos;
    /** Longest timed sleep while a paced frame waits: exact on the system clock, short polls on any other. */
    private final long maxTimedParkNanos;
    private final int maxBatch;
    private final IngressSlot frame = new IngressSlot();
    private long nextStartNanos;
    /** The thread that ran the last cycle; the session compares it with the caller's to spot calls from a listener. */
    Thread thread;

    /**
     * Creates the worker of a session that starts now.
     *
     * @param config      the session's configuration (target frame rate)
     * @param lifecycle   the session's lifecycle
     * @param processor   infers each frame
     * @param ingress     the session's ingress queue
     * @param counters    the session's counters
     * @param clock       the session's clock
     * @param rateLimiter the producers' rate limiter, reset with the session; null for none
     * @param errors      receives what a cycle throws
     * @param maxBatch    most frames per cycle: 64 on a dedicated thread, which amortises the cycle's bookkeeping; 1
     *                    on a shared pool, so one busy session cannot hold its thread while others wait
     * @param startNanos  when the session started, on its clock
     */
    SessionWorker(SessionConfig config, SessionLifecycle lifecycle, FrameProcessor<I, O> processor, Ingress ingress,
                  SessionCounters counters, NanoClock clock, RateLimiter rateLimiter, ErrorReporter errors,
                  int maxBatch, long startNanos) {
        this.lifecycle = lifecycle;
        this.processor = processor;
        this.ingress = ingress;
        this.counters = counters;
        this.clock = clock;
        this.rateLimiter = rateLimiter;
        this.errors = errors;
        this.paceIntervalNanos = config.targetFps() > 0 ? Math.round(1e9 / config.targetFps()) : 0;
        // an injected clock need not follow real time, so a paced frame's due time cannot become a sleep length
        this.maxTimedParkNanos = clock == NanoClock.SYSTEM ? Long.MAX_VALUE - 1 : FOREIGN_CLOCK_POLL_NANOS;
        this.maxBatch = maxBatch;
        this.nextStartNanos = startNanos;
    }

    /**
     * The loop of a dedicated worker thread: cycles until the session closes, idling between cycles.
     *
     * @param idle how the thread idles
     * @param own  the signal producers wake it with
     */
    void runDedicated(IdleStrategy idle, WakeSignal own) {
        while (!lifecycle.closing) {
            int work;
            try {
                work = doWork();
            } catch (Throwable t) {
                onWorkerError(t);
                work = 0;
            }
            idle.idle(work, own);
        }
        // a close that timed out while an inference ran is finished here
        if (counters.noWorkerInside() && counters.noProducerInside()) {
            lifecycle.cleanup();
        }
    }

    /**
     * Takes what a duty cycle threw, on the thread that ran it: reports it and fails the session.
     *
     * @param t what the cycle threw
     */
    void onWorkerError(Throwable t) {
        errors.report(-1, t);
        lifecycle.fail(t);
    }

    /**
     * Asked on the worker's thread, with its parked flag set, before it sleeps.
     *
     * @return 0 if a cycle now would find work (a reset to apply, or a frame that is due), the nanoseconds until a
     *         waiting paced frame is due, or {@link Long#MAX_VALUE} if nothing happens until a producer, a reset or
     *         a close wakes the worker
     */
    long parkNanos() {
        if (lifecycle.closing) {
            // a dedicated worker checks the flag itself; a pool drops the session as close() deregisters it
            return Long.MAX_VALUE;
        }
        if (lifecycle.resetPending()) {
            return 0;
        }
        if (lifecycle.state != SessionState.RUNNING || ingress.size() == 0) {
            return Long.MAX_VALUE;
        }
        if (paceIntervalNanos == 0) {
            return 0;
        }
        long wait = nextStartNanos - clock.nanoTime();
        return wait <= 0 ? 0 : Math.min(wait, maxTimedParkNanos);
    }

    /**
     * One duty cycle: applies a pending reset, then infers the waiting frames, at most {@code maxBatch} of them.
     *
     * @return frames processed
     */
    int doWork() {
        counters.enterWorker();
        try {
            if (lifecycle.closing) {
                return 0;
            }
            Thread current = Thread.currentThread();
            if (thread != current) {
                thread = current;
            }
            if (lifecycle.resetPending()) {
                performReset();
            }
            if (lifecycle.state != SessionState.RUNNING) {
                return 0;
            }
            int done = 0;
            while (done < maxBatch) {
                long now = clock.nanoTime();
                if (paceIntervalNanos > 0 && now - nextStartNanos < 0) {
                    break;
                }
                if (!ingress.poll(frame)) {
                    break;
                }
                if (paceIntervalNanos > 0) {
                    nextStartNanos = Math.max(nextStartNanos, now - paceIntervalNanos) + paceIntervalNanos;
                }
                counters.setOwned(IN_FLIGHT, 1);
                processor.process(frame, now);
                counters.setOwned(IN_FLIGHT, 0);
                done++;
                if (lifecycle.closing || lifecycle.state != SessionState.RUNNING || lifecycle.resetPending()) {
                    break;
                }
            }
            ingress.flush();
            return done;
        } finally {
            if (counters.exitWorker() && lifecycle.closing && counters.noProducerInside()) {
                lifecycle.cleanup();
            }
        }
    }

    /**
     * Applies the resets asked for so far: drops waiting frames, clears the recurrent and per-stream state and the
     * rate limiter, restarts pacing, and returns a failed session to running.
     */
    void performReset() {
        long request = lifecycle.resetsRequested();
        counters.addOwned(DROPPED_RESET, ingress.clear());
        processor.resetState();
        if (rateLimiter != null) {
            rateLimiter.reset();
        }
        nextStartNanos = clock.nanoTime();
        lifecycle.resetApplied(request);
    }
}
