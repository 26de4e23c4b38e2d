package io.github.streaminfer.session;

import io.github.streaminfer.time.NanoClock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static io.github.streaminfer.session.SessionCounters.DROPPED_CLOSED;
import static io.github.streaminfer.session.SessionCounters.IN_FLIGHT;

/**
 * A session's lifecycle: its {@link SessionState}, the closing and draining flags that refuse new frames, the
 * resets asked for and applied, the failure cause, and the waits of {@code reset()} and {@code close()}. The release
 * of the session's resources runs exactly once, by whichever thread is last out of the session after close began.
 *
 * <p><b>Note:</b> the flags are volatile and read on every submit and duty cycle without a lock;
 * {@link #fail} and {@link #resetApplied} are the worker's; {@link #beginClose()}, {@link #drain}
 * and the waits are any thread's; {@link #cleanup()} is safe from any thread and runs its action once.
 */
final class SessionLifecycle {
    /** The session's logger category, which users configure. */
    private static final Logger LOG = LoggerFactory.getLogger(StreamingInferenceSession.class);

    private final SessionConfig config;
    private final NanoClock clock;
    private final SessionCounters counters;
    private final Ingress ingress;
    private final ErrorReporter errors;
    private final Runnable releaseResources;
    private final AtomicBoolean cleanedUp = new AtomicBoolean();
    private final AtomicLong resetRequests = new AtomicLong();
    private volatile long resetsDone;

    /** Set once close begins: the session refuses frames and its worker stops. */
    volatile boolean closing;
    /** Set while close waits for queued frames: the session refuses frames, its worker goes on. */
    volatile boolean draining;
    volatile SessionState state = SessionState.RUNNING;
    volatile Throwable failureCause;
    /** When close began, on the session's clock. */
    volatile long endNanos;

    /**
     * Creates the lifecycle of a running session.
     *
     * @param config           the session's configuration (name, close timeout)
     * @param clock            the session's clock
     * @param counters         the session's counters
     * @param ingress          the session's ingress queue
     * @param errors           receives the failure that ends the session
     * @param releaseResources frees what the session holds; run once by {@link #cleanup()}
     */
    SessionLifecycle(SessionConfig config, NanoClock clock, SessionCounters counters, Ingress ingress,
                     ErrorReporter errors, Runnable releaseResources) {
        this.config = config;
        this.clock = clock;
        this.counters = counters;
        this.ingress = ingress;
        this.errors = errors;
        this.releaseResources = releaseResources;
    }

    /** {@return true if a submit must be refused: closing, draining or not running} */
    boolean refusesFrames() {
        return closing || draining || state != SessionState.RUNNING;
    }

    /** {@return true once close began, draining or not: a producer blocked for room gives up} */
    boolean closingOrDraining() {
        return closing || draining;
    }

    // ------------------------------------------------------------------------------------------------ reset

    /** {@return the number of the reset asked for now} */
    long requestReset() {
        return resetRequests.incrementAndGet();
    }

    /** {@return the number of the newest reset asked for} */
    long resetsRequested() {
        return resetRequests.get();
    }

    /** {@return true if a reset was asked for that the worker has not applied yet} */
    boolean resetPending() {
        return resetsDone != resetRequests.get();
    }

    /**
     * Records, on the worker, that every reset up to {@code request} is applied, and returns a failed session that
     * is not closing to {@link SessionState#RUNNING}.
     *
     * @param request the newest reset the worker applied
     */
    void resetApplied(long request) {
        if (state == SessionState.FAILED && !closing) {
            failureCause = null;
            state = SessionState.RUNNING;
        }
        resetsDone = request;
    }

    /**
     * Waits until the worker applied reset {@code request}, the session closes or the close timeout passes.
     *
     * @param request the reset to wait for
     */
    void awaitReset(long request) {
        long deadline = System.nanoTime() + config.closeTimeout().toNanos();
        for (int waits = 0; resetsDone < request && !closing; waits++) {
            if (System.nanoTime() - deadline > 0) {
                return;
            }
            Ingress.blockIdle(waits);
        }
    }

    // ------------------------------------------------------------------------------------------------ failure

    /**
     * Moves a running session to {@link SessionState#FAILED}, drops its waiting frames and reports the cause; does
     * nothing to a session that is not running.
     *
     * @param cause why the session fails
     */
    void fail(Throwable cause) {
        if (state != SessionState.RUNNING) {
            return;
        }
        failureCause = cause;
        state = SessionState.FAILED;
        counters.addOwned(DROPPED_CLOSED, ingress.clear());
        errors.report(-1, cause);
    }

    // ------------------------------------------------------------------------------------------------ close

    /** Refuses new frames and stops the worker from here on; records when, and moves a running session to CLOSED. */
    void beginClose() {
        closing = true;
        endNanos = clock.nanoTime();
        if (state == SessionState.RUNNING) {
            state = SessionState.CLOSED;
        }
    }

    /**
     * Refuses new frames and waits until the queue is empty, the deadline passes or the session fails.
     *
     * @param deadline {@link System#nanoTime()} to give up at
     * @return true if the queue drained
     */
    boolean drain(long deadline) {
        SessionState before = state;
        if (before == SessionState.RUNNING) {
            draining = true; // refuse new frames, keep the worker going
        }
        boolean drained = false;
        for (int waits = 0; ; waits++) {
            if (ingress.size() == 0 && counters.get(IN_FLIGHT) == 0 && counters.noProducerInside()) {
                drained = true;
                break;
            }
            if (System.nanoTime() - deadline > 0 || state != SessionState.RUNNING) {
                break;
            }
            Ingress.blockIdle(waits);
        }
        return drained;
    }

    /**
     * Waits (up to the close timeout) until the resources are released, then for the dedicated worker thread to end.
     *
     * @param dedicatedThread the session's own worker thread, or null on a pool
     */
    void awaitCleanup(Thread dedicatedThread) {
        long deadline = System.nanoTime() + config.closeTimeout().toNanos();
        for (int waits = 0; !cleanedUp.get(); waits++) {
            if (System.nanoTime() - deadline > 0) {
                LOG.warn("session '{}': close timed out after {}; resources are freed when the running inference "
                        + "returns", config.name(), config.closeTimeout());
                return;
            }
            Ingress.blockIdle(waits);
        }
        if (dedicatedThread != null && Thread.currentThread() != dedicatedThread) {
            try {
                dedicatedThread.join(Math.max(1, config.closeTimeout().toMillis()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Releases the session's resources, the first time only. */
    void cleanup() {
        if (cleanedUp.compareAndSet(false, true)) {
            releaseResources.run();
        }
    }

    /** {@return true once the resources are released} */
    boolean cleanedUp() {
        return cleanedUp.get();
    }
}
