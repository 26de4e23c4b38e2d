package io.github.streaminfer.session;

import io.github.streaminfer.task.InferenceTask;
import org.jctools.queues.MpscArrayQueue;
import org.jctools.queues.SpscArrayQueue;

import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static io.github.streaminfer.session.SessionCounters.EMITTED;
import static io.github.streaminfer.session.SessionCounters.LISTENER_ERRORS;
import static io.github.streaminfer.session.SessionCounters.RESULTS_OVERFLOW;

/**
 * The three ways a session's results leave its worker, and the pool they come from: the listeners (called on the
 * worker), the single-consumer results ring, and the latest-value mailbox. Results are pre-allocated; the pool holds
 * enough for the ring, the mailbox, the one being written and readers holding a few briefly, and grows by one only
 * when consumers hold every one of them.
 *
 * <p><b>Note:</b> {@link #claim()} and {@link #publish} run on the session's worker only; {@link #poll()} is for one
 * consumer thread at a time; {@link #acquireLatest()} is lock-free and safe from any thread; {@link #releaseAll()}
 * runs once, when nothing else runs. Allocation-free in steady state.
 *
 * @param <O> result value type
 */
final class ResultDelivery<O> {
    private final InferenceTask<?, O> task;
    private final SessionCounters counters;
    private final ErrorReporter errors;
    private final ResultListener<O>[] listeners;
    private final SpscArrayQueue<InferenceResult<O>> results;
    private final MpscArrayQueue<InferenceResult<O>> resultPool;
    private final AtomicReference<InferenceResult<O>> latest = new AtomicReference<>();
    /** Worker-confined: a result the worker released from the mailbox and reuses for its next frame. */
    private InferenceResult<O> spare;

    /**
     * Creates the ring and fills the pool.
     *
     * @param listeners       called on the worker for every result
     * @param resultsCapacity the configured ring capacity ({@link SessionConfig#RESULTS_AUTO} for none with
     *                        listeners, {@link SessionConfig#RESULTS_AUTO_CAPACITY} without); 0 for no ring
     * @param task            makes the result values
     * @param counters        the session's counters
     * @param errors          receives listener failures
     */
    ResultDelivery(List<ResultListener<O>> listeners, int resultsCapacity, InferenceTask<?, O> task,
                   SessionCounters counters, ErrorReporter errors) {
        this.task = task;
        this.counters = counters;
        this.errors = errors;
        @SuppressWarnings({"unchecked", "rawtypes"})
        ResultListener<O>[] ls = listeners.toArray(new ResultListener[0]);
        this.listeners = ls;
        int ring = resultsCapacity == SessionConfig.RESULTS_AUTO
                ? (ls.length == 0 ? SessionConfig.RESULTS_AUTO_CAPACITY : 0) : resultsCapacity;
        this.results = ring > 0 ? new SpscArrayQueue<>(Math.max(2, ring)) : null;
        // ring + latest mailbox + the one being written + readers holding results briefly
        int poolSize = ring + 2 + 16;
        this.resultPool = new MpscArrayQueue<>(poolSize);
        for (int i = 0; i < poolSize; i++) {
            resultPool.offer(new InferenceResult<>(task.newOutput(), resultPool));
        }
    }

    /** {@return a result for the worker's next frame, claimed for it}: the spare, a pooled one, or a new one */
    InferenceResult<O> claim() {
        InferenceResult<O> r = spare;
        if (r != null) {
            spare = null;
        } else {
            r = resultPool.poll();
        }
        if (r == null) {
            // every pooled result is held by consumers; grow once rather than lose the frame
            r = new InferenceResult<>(task.newOutput(), resultPool);
        }
        r.claim();
        return r;
    }

    /**
     * Hands a finished result to the listeners and the ring and, if it succeeded, to the mailbox; the worker's own
     * reference ends here.
     *
     * @param r       the result, its publication time set
     * @param success whether the frame succeeded (only those reach the mailbox)
     */
    void publish(InferenceResult<O> r, boolean success) {
        for (ResultListener<O> l : listeners) {
            try {
                l.onResult(r);
            } catch (RuntimeException e) {
                counters.incrementOwned(LISTENER_ERRORS);
                errors.report(r.frameId, e);
            }
        }
        if (results != null) {
            r.retain();
            if (!results.offer(r)) {
                r.release();
                counters.incrementOwned(RESULTS_OVERFLOW);
            }
        }
        if (success) {
            counters.incrementOwned(EMITTED);
            // the worker's own reference moves into the mailbox; the mailbox keeps the result (and its fields)
            // until the worker's next publication replaces it
            InferenceResult<O> previous = latest.getAndSet(r);
            if (previous != null && previous.releaseToWorker()) {
                spare = previous;
            }
        } else {
            r.release();
        }
    }

    /** {@return whether results also go to a ring} */
    boolean hasRing() {
        return results != null;
    }

    /** {@return the oldest result in the ring, owned by the caller now, or null if none is waiting} */
    InferenceResult<O> poll() {
        return results.poll();
    }

    /** {@return results waiting in the ring; 0 without one} */
    int ringSize() {
        return results == null ? 0 : results.size();
    }

    /** {@return the newest successful result, retained for the caller, or null if there is none yet} */
    InferenceResult<O> acquireLatest() {
        for (;;) {
            InferenceResult<O> r = latest.get();
            if (r == null) {
                return null;
            }
            if (r.tryRetain()) {
                if (latest.get() == r) {
                    return r;
                }
                r.release();
            }
        }
    }

    /** Releases the mailbox's result and every result waiting in the ring. */
    void releaseAll() {
        InferenceResult<O> last = latest.getAndSet(null);
        if (last != null) {
            last.release();
        }
        if (results != null) {
            InferenceResult<O> r;
            while ((r = results.poll()) != null) {
                r.release();
            }
        }
    }
}
