package io.github.streaminfer.session;

import java.util.Queue;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

/**
 * The result of one frame: the decoded value (or the failure), the frame id and the time of each stage.
 *
 * <p>Results are pooled and reference-counted so that publishing one allocates nothing. A result handed to a
 * {@link ResultListener} is valid during the call; one obtained from {@link StreamingInferenceSession#pollResult()}
 * or {@link StreamingInferenceSession#acquireLatest()} is owned by the caller until {@link #release()}. Call
 * {@link #retain()} to keep one longer; every retain needs a release. Reading a result after releasing it reads
 * whatever frame the slot holds next.
 *
 * <p><b>Note:</b> a published result is read-only; it may be read from several threads at once.
 *
 * @param <O> value type
 * @since 0.1.0
 */
public final class InferenceResult<O> {
    /** Outcome of a frame. */
    public enum Status {
        /** The model ran and the value was decoded. */
        SUCCESS,
        /** The frame failed; see {@link #failure()} and {@link #error()}. */
        FAILED
    }

    /** Where a failed frame failed. */
    public enum Failure {
        /** No failure. */
        NONE,
        /** The observation did not fit the model (preprocess rejected it). */
        INVALID_INPUT,
        /** The backend failed while running the model. */
        BACKEND,
        /** Decoding the outputs failed. */
        DECODE
    }

    @SuppressWarnings("rawtypes") // a field updater names the class, which has no type arguments
    private static final AtomicIntegerFieldUpdater<InferenceResult> REF_CNT =
            AtomicIntegerFieldUpdater.newUpdater(InferenceResult.class, "refCnt");

    private final Queue<InferenceResult<O>> pool;
    private final O value;
    private volatile int refCnt;

    long frameId;
    Status status = Status.SUCCESS;
    Failure failure = Failure.NONE;
    Throwable error;
    long captureNanos;
    long submitNanos;
    long startNanos;
    long preprocessedNanos;
    long inferredNanos;
    long publishedNanos;

    InferenceResult(O value, Queue<InferenceResult<O>> pool) {
        this.value = value;
        this.pool = pool;
    }

    /** {@return the session-assigned or caller-given frame id} */
    public long frameId() {
        return frameId;
    }

    /** {@return success or failure} */
    public Status status() {
        return status;
    }

    /** {@return true if the frame produced a value} */
    public boolean isSuccess() {
        return status == Status.SUCCESS;
    }

    /** {@return where the frame failed, {@link Failure#NONE} on success} */
    public Failure failure() {
        return failure;
    }

    /** {@return the failure's exception, or null on success} */
    public Throwable error() {
        return error;
    }

    /**
     * The decoded value. On failure it holds stale data from an earlier frame; check {@link #isSuccess()}.
     *
     * @return the value (a pre-allocated object reused across frames)
     */
    public O value() {
        return value;
    }

    /** {@return when the observation was captured (monotonic ns; the submit time unless the producer gave one)} */
    public long captureNanos() {
        return captureNanos;
    }

    /** {@return when the frame was submitted (monotonic ns)} */
    public long submitNanos() {
        return submitNanos;
    }

    /** {@return when the result was published (monotonic ns)} */
    public long publishedNanos() {
        return publishedNanos;
    }

    /** {@return time the frame waited in the ingress queue} */
    public long queueWaitNanos() {
        return startNanos - submitNanos;
    }

    /** {@return time spent in the task's preprocess} */
    public long preprocessNanos() {
        return preprocessedNanos - startNanos;
    }

    /** {@return time spent in the backend's run (0 if the frame failed before it)} */
    public long inferenceNanos() {
        return inferredNanos == 0 ? 0 : inferredNanos - preprocessedNanos;
    }

    /** {@return submit to publication} */
    public long endToEndNanos() {
        return publishedNanos - submitNanos;
    }

    /** {@return capture to publication: how old the observation is when its result appears} */
    public long observationAgeNanos() {
        return publishedNanos - captureNanos;
    }

    /**
     * Keeps the result past the call that handed it over.
     *
     * @return this
     * @throws IllegalStateException if the result was already fully released
     */
    public InferenceResult<O> retain() {
        for (;;) {
            int c = refCnt;
            if (c <= 0) {
                throw new IllegalStateException("result of frame " + frameId + " was already released");
            }
            if (REF_CNT.compareAndSet(this, c, c + 1)) {
                return this;
            }
        }
    }

    /** Retains only if still live; used by readers of the latest-value mailbox. */
    boolean tryRetain() {
        for (;;) {
            int c = refCnt;
            if (c <= 0) {
                return false;
            }
            if (REF_CNT.compareAndSet(this, c, c + 1)) {
                return true;
            }
        }
    }

    /**
     * Worker only: takes a free result from the pool for writing. A release store is enough: nobody else writes
     * the count of a pooled result, and readers retain only through a compare-and-set that also sees it.
     */
    void claim() {
        REF_CNT.lazySet(this, 1);
    }

    /**
     * Gives up one reference; the last release returns the result to its session's pool.
     *
     * @throws IllegalStateException if released more often than retained
     */
    public void release() {
        if (dropReference()) {
            pool.offer(this);
        }
    }

    /**
     * Worker only: gives up the worker's reference to a result it published earlier. If that was the last one the
     * result is not returned to the pool; the worker reuses it directly for its next frame.
     *
     * @return true if the caller now owns the result as a free one
     */
    boolean releaseToWorker() {
        return dropReference();
    }

    /** {@return true if that was the last reference (the result is free again)} */
    private boolean dropReference() {
        int c = REF_CNT.decrementAndGet(this);
        if (c == 0) {
            error = null;
            return true;
        }
        if (c < 0) {
            REF_CNT.incrementAndGet(this);
            throw new IllegalStateException("result of frame " + frameId + " released more often than retained");
        }
        return false;
    }

    @Override
    public String toString() {
        return "InferenceResult[frame=" + frameId + ", " + status + (error != null ? " " + error : "")
                + ", e2e=" + endToEndNanos() / 1000 + "us]";
    }
}
