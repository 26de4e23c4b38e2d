package io.github.streaminfer.session;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The counters behind {@link SessionStats}. Producer-side counters are updated by any producer thread
 * ({@code getAndIncrement}); worker-side counters have a single writer, the worker, and are published with
 * {@code lazySet}. Every counter sits in its own object, so producers and the worker do not share cache lines.
 */
final class SessionCounters {
    // producer side (multi-writer)
    final AtomicLong submitted = new AtomicLong();
    final AtomicLong accepted = new AtomicLong();
    final AtomicLong rejectedFull = new AtomicLong();
    final AtomicLong rejectedClosed = new AtomicLong();
    final AtomicLong rateLimited = new AtomicLong();
    final AtomicLong droppedReplaced = new AtomicLong();

    // worker side (single writer)
    final AtomicLong inferred = new AtomicLong();
    final AtomicLong buffered = new AtomicLong();
    final AtomicLong failedInput = new AtomicLong();
    final AtomicLong failedBackend = new AtomicLong();
    final AtomicLong droppedReset = new AtomicLong();
    final AtomicLong droppedClosed = new AtomicLong();
    final AtomicLong emitted = new AtomicLong();
    final AtomicLong resultsOverflow = new AtomicLong();
    final AtomicLong listenerErrors = new AtomicLong();
    final AtomicLong inFlight = new AtomicLong();

    static void inc(AtomicLong singleWriterCounter) {
        singleWriterCounter.lazySet(singleWriterCounter.get() + 1);
    }

    static void add(AtomicLong singleWriterCounter, long n) {
        singleWriterCounter.lazySet(singleWriterCounter.get() + n);
    }
}
