package io.github.streaminfer.session;

import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class RateLimiterTest {
    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

    @Test
    void admitsAtMostTheRateOverLongWindows() {
        RateLimiter limiter = new RateLimiter(50);
        int admitted = 0;
        for (long t = 0; t < 10_000 * MS; t += MS) {
            if (limiter.tryAcquire(t)) {
                admitted++;
            }
        }
        assertThat(admitted).isBetween(500, 502);
    }

    @Test
    void arrivalsSlightlyFasterThanTheLimitLoseNoCredit() {
        RateLimiter limiter = new RateLimiter(50);
        int admitted = 0;
        for (long t = 0; t < 10_000 * MS; t += 15 * MS) {
            if (limiter.tryAcquire(t)) {
                admitted++;
            }
        }
        assertThat(admitted).as("66.7 fps offered, 50 fps allowed").isBetween(495, 505);
    }

    @Test
    void burstIsBoundedToTwoFrames() {
        RateLimiter limiter = new RateLimiter(10);
        assertThat(limiter.tryAcquire(1000 * MS)).isTrue();
        assertThat(limiter.tryAcquire(1000 * MS)).isTrue();
        assertThat(limiter.tryAcquire(1000 * MS)).isFalse();
        limiter.reset();
        assertThat(limiter.tryAcquire(1000 * MS)).isTrue();
    }

    @Test
    void manyThreadsNeverExceedTheRate() throws Exception {
        RateLimiter limiter = new RateLimiter(1000);
        java.util.concurrent.atomic.AtomicLong fakeNow = new java.util.concurrent.atomic.AtomicLong();
        java.util.concurrent.atomic.AtomicInteger admitted = new java.util.concurrent.atomic.AtomicInteger();
        Thread[] threads = new Thread[4];
        for (int i = 0; i < threads.length; i++) {
            threads[i] = new Thread(() -> {
                for (int k = 0; k < 200_000; k++) {
                    long now = fakeNow.addAndGet(1_000); // 1 µs per attempt across all threads
                    if (limiter.tryAcquire(now)) {
                        admitted.incrementAndGet();
                    }
                }
            });
            threads[i].start();
        }
        for (Thread t : threads) {
            t.join();
        }
        // 800,000 attempts over 0.8 s of fake time at 1000/s
        assertThat(admitted.get()).isBetween(790, 803);
    }
}
