package io.github.streaminfer.transport.internal.http;

import org.slf4j.Logger;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Lets at most N warnings of one kind through per interval and counts the rest, so that a client who can trigger a
 * warning (a failing open, an unexpected error per disconnect) cannot flood the log. The first warning of a new
 * interval says how many of its kind were suppressed in the one before.
 *
 * <p>Kinds are the caller's constant strings (never client text), so the map stays as small as the code's set of
 * warnings.
 *
 * <p><b>Note:</b> thread-safe; each kind's window is updated under its own lock.
 */
public final class RateLimitedLog {
    /** Warnings of one kind let through per interval by default. */
    public static final int DEFAULT_PER_INTERVAL = 5;
    /** The default interval: 10 s. */
    public static final long DEFAULT_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);
    /** Kinds tracked at most; beyond this, unknown kinds share one window. */
    private static final int MAX_KINDS = 256;

    private final int perInterval;
    private final long intervalNanos;
    private final LongSupplier clock;
    private final ConcurrentHashMap<String, Window> windows = new ConcurrentHashMap<>();
    private final Window overflow = new Window();

    /**
     * @param perInterval   warnings of one kind let through per interval, {@code >= 1}
     * @param intervalNanos the interval, {@code > 0}
     */
    public RateLimitedLog(int perInterval, long intervalNanos) {
        this(perInterval, intervalNanos, System::nanoTime);
    }

    /**
     * @param perInterval   warnings of one kind let through per interval, {@code >= 1}
     * @param intervalNanos the interval, {@code > 0}
     * @param clock         monotonic nanoseconds
     */
    RateLimitedLog(int perInterval, long intervalNanos, LongSupplier clock) {
        if (perInterval < 1) {
            throw new IllegalArgumentException("perInterval is " + perInterval + "; allowed: >= 1");
        }
        if (intervalNanos < 1) {
            throw new IllegalArgumentException("intervalNanos is " + intervalNanos + "; allowed: >= 1");
        }
        this.perInterval = perInterval;
        this.intervalNanos = intervalNanos;
        this.clock = clock;
    }

    /** One kind's current interval. */
    private static final class Window {
        long start = Long.MIN_VALUE;
        int passed;
        long suppressed;
        long suppressedBefore;
    }

    /**
     * Decides whether a warning of {@code kind} may be logged now.
     *
     * @param kind the warning's kind, a constant of the calling code
     * @return -1 if it must be dropped (it is counted); otherwise how many of its kind were dropped in the interval
     *         before this one (0 after the first warning of an interval)
     */
    public long admit(String kind) {
        Window w = windows.get(kind);
        if (w == null) {
            w = windows.size() < MAX_KINDS ? windows.computeIfAbsent(kind, k -> new Window()) : overflow;
        }
        long now = clock.getAsLong();
        synchronized (w) {
            if (w.start == Long.MIN_VALUE || now - w.start >= intervalNanos) {
                w.start = now;
                w.passed = 0;
                w.suppressedBefore = w.suppressed;
                w.suppressed = 0;
            }
            if (w.passed >= perInterval) {
                w.suppressed++;
                return -1;
            }
            w.passed++;
            long before = w.suppressedBefore;
            w.suppressedBefore = 0;
            return before;
        }
    }

    /**
     * Logs a warning with its cause when {@link #admit} lets it through, noting the ones suppressed before it. The
     * message and arguments must already be safe to log ({@link ClientText}).
     *
     * @param log     the logger
     * @param kind    the warning's kind, a constant of the calling code
     * @param message an SLF4J message pattern
     * @param args    its arguments, a trailing {@link Throwable} logged as the cause
     */
    public void warn(Logger log, String kind, String message, Object... args) {
        long before = admit(kind);
        if (before < 0) {
            return;
        }
        if (before > 0) {
            log.warn(message + " (" + before + " similar warnings suppressed)", args);
        } else {
            log.warn(message, args);
        }
    }
}
