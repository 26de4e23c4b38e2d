package io.github.streaminfer.client;

import java.time.Duration;
import java.util.SplittableRandom;

/**
 * Reconnect delays: exponential from {@code initial} up to {@code max}, with full jitter (a uniform draw between 0
 * and the exponential bound), so that many robots that lost the same server do not come back in lockstep.
 *
 * <p><b>Note:</b> not thread-safe; the policy's reconnect thread owns it.
 */
final class Backoff {
    private final long initialNanos;
    private final long maxNanos;
    private final SplittableRandom random;
    private int attempts;

    Backoff(Duration initial, Duration max, long seed) {
        this.initialNanos = initial.toNanos();
        this.maxNanos = max.toNanos();
        this.random = new SplittableRandom(seed);
    }

    /** {@return the delay before the next attempt} Counts the attempt. */
    long nextDelayNanos() {
        int shift = Math.min(attempts, 30);
        attempts++;
        long bound = initialNanos << shift;
        if (bound <= 0 || bound > maxNanos) {
            bound = maxNanos;
        }
        return random.nextLong(bound / 2, bound + 1); // at least half the bound: never a burst of instant retries
    }

    /** Starts over after a successful connection. */
    void reset() {
        attempts = 0;
    }
}
