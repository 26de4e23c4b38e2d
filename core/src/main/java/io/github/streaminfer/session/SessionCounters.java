package io.github.streaminfer.session;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The counters behind {@link SessionStats}, and the two guards that tell {@code close()} when nobody is inside the
 * session any more.
 *
 * <p>Everything lives in one {@link AtomicLongArray}, in two groups 128 bytes apart (two cache lines, so neither
 * false sharing nor the adjacent-line prefetcher couples them): the producer group, written by any producer thread
 * ({@code getAndIncrement}), and the worker group, written by the worker alone and published with a release store
 * ({@link #incrementOwned}). A producer's submit touches only the producer group and the worker's frame only the
 * worker group, so the two threads exchange no cache line through the counters. The producers' entry and exit counts
 * (which double as the producer guard) sit with the producer counters for the same reason.
 */
final class SessionCounters {
    /** Longs per padding block: 128 bytes. */
    private static final int PAD = 16;
    private static final int PRODUCER = PAD;
    private static final int WORKER = 3 * PAD;

    // producer group (multi-writer)
    /** Calls to {@code submit} that passed the null check: incremented on entry, before anything else. */
    static final int SUBMITTED = PRODUCER;
    /** Calls to {@code submit} that returned (or threw): incremented on exit. */
    private static final int EXITED = PRODUCER + 1;
    static final int REJECTED_FULL = PRODUCER + 2;
    static final int REJECTED_CLOSED = PRODUCER + 3;
    static final int RATE_LIMITED = PRODUCER + 4;
    static final int DROPPED_REPLACED = PRODUCER + 5;

    // worker group (single writer: the worker, or the one thread that cleans up once nothing else runs)
    static final int INFERRED = WORKER;
    static final int BUFFERED = WORKER + 1;
    static final int FAILED_INPUT = WORKER + 2;
    static final int FAILED_BACKEND = WORKER + 3;
    static final int DROPPED_RESET = WORKER + 4;
    static final int DROPPED_CLOSED = WORKER + 5;
    static final int EMITTED = WORKER + 6;
    static final int RESULTS_OVERFLOW = WORKER + 7;
    static final int LISTENER_ERRORS = WORKER + 8;
    /** 1 while the worker holds a frame taken from the ingress. */
    static final int IN_FLIGHT = WORKER + 9;
    /** Worker duty cycles in progress (0 or 1; a pool may call from different threads, never at once). */
    private static final int WORKER_GUARD = WORKER + 10;

    private final AtomicLongArray cells = new AtomicLongArray(WORKER + 2 * PAD);

    /**
     * A producer enters {@code submit}. The atomic increment also orders this entry before the producer's next
     * read of the session's closing flag.
     *
     * @return the submit count, including this one
     */
    long enterProducer() {
        return cells.incrementAndGet(SUBMITTED);
    }

    /**
     * A producer leaves {@code submit}.
     *
     * @return true if no producer was inside the session right after this one left
     */
    boolean exitProducer() {
        long exited = cells.incrementAndGet(EXITED);
        return cells.get(SUBMITTED) == exited;
    }

    /** {@return true if no producer is inside {@code submit} (reads exits before entries, so never a false yes)} */
    boolean noProducerInside() {
        long exited = cells.get(EXITED);
        return cells.get(SUBMITTED) == exited;
    }

    /**
     * Frames the ingress took: every finished submit that was not refused. Exact once no producer is inside
     * {@code submit}.
     */
    long accepted() {
        long exited = cells.get(EXITED);
        return exited - cells.get(REJECTED_FULL) - cells.get(REJECTED_CLOSED) - cells.get(RATE_LIMITED);
    }

    /** The worker starts a duty cycle; the atomic increment orders it before the worker's read of the closing flag. */
    void enterWorker() {
        cells.incrementAndGet(WORKER_GUARD);
    }

    /** {@return true if no duty cycle runs once this one ended} */
    boolean exitWorker() {
        return cells.decrementAndGet(WORKER_GUARD) == 0;
    }

    /** {@return true if no duty cycle runs now} */
    boolean noWorkerInside() {
        return cells.get(WORKER_GUARD) == 0;
    }

    long get(int counter) {
        return cells.get(counter);
    }

    /** Multi-writer increment. */
    void increment(int counter) {
        cells.getAndIncrement(counter);
    }

    /** Single-writer increment: a plain read and a release store, no atomic read-modify-write. */
    void incrementOwned(int counter) {
        cells.lazySet(counter, cells.getPlain(counter) + 1);
    }

    /** Single-writer add. */
    void addOwned(int counter, long n) {
        cells.lazySet(counter, cells.getPlain(counter) + n);
    }

    /** Single-writer store. */
    void setOwned(int counter, long value) {
        cells.lazySet(counter, value);
    }
}
