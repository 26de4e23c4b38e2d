package io.github.streaminfer.time;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A clock that only moves when told to, for deterministic tests of rate limits, staleness and fps.
 *
 * <p><b>Note:</b> thread-safe; any thread may advance it.
 *
 * @since 0.1.0
 */
public final class ManualClock implements NanoClock {
    private final AtomicLong now;

    /** Starts at an arbitrary non-zero time (1 s), as real monotonic clocks do. */
    public ManualClock() {
        this(TimeUnit.SECONDS.toNanos(1));
    }

    /**
     * Creates a clock that reads {@code startNanos} until advanced.
     *
     * @param startNanos initial reading
     */
    public ManualClock(long startNanos) {
        this.now = new AtomicLong(startNanos);
    }

    @Override
    public long nanoTime() {
        return now.get();
    }

    /**
     * {@return the new reading}
     *
     * @param nanos how far to move forward, {@code >= 0}
     */
    public long advance(long nanos) {
        if (nanos < 0) {
            throw new IllegalArgumentException("nanos is " + nanos + "; a monotonic clock cannot go back");
        }
        return now.addAndGet(nanos);
    }

    /**
     * {@return the new reading}
     *
     * @param amount how far to move forward
     * @param unit   unit of {@code amount}
     */
    public long advance(long amount, TimeUnit unit) {
        return advance(unit.toNanos(amount));
    }
}
