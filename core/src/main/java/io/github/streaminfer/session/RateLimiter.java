package io.github.streaminfer.session;

import java.util.concurrent.atomic.AtomicLong;

/**
 * A lock-free rate limit by the generic cell rate algorithm: each admitted frame moves a theoretical arrival time
 * forward by one interval; a frame is admitted while that time is at most one interval ahead of now. Over any
 * long window the admitted rate never exceeds {@code 1/interval}, and a stream slower than the limit is never
 * throttled. Safe for many producer threads; allocation-free.
 */
final class RateLimiter {
    private final long intervalNanos;
    private final AtomicLong theoreticalArrival = new AtomicLong(Long.MIN_VALUE);

    RateLimiter(double maxPerSecond) {
        this.intervalNanos = Math.max(1L, Math.round(1e9 / maxPerSecond));
    }

    boolean tryAcquire(long nowNanos) {
        for (;;) {
            long tat = theoreticalArrival.get();
            long base = tat == Long.MIN_VALUE || tat - nowNanos < 0 ? nowNanos : tat;
            if (base - nowNanos > intervalNanos) {
                return false;
            }
            if (theoreticalArrival.compareAndSet(tat, base + intervalNanos)) {
                return true;
            }
        }
    }

    void reset() {
        theoreticalArrival.set(Long.MIN_VALUE);
    }
}
