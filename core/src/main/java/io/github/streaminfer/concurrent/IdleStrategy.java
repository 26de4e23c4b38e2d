package io.github.streaminfer.concurrent;

/**
 * What a duty-cycle worker does when a cycle found no work: spin, yield, or park with back-off.
 *
 * <p>A worker calls {@link #idle(int)} after every cycle with the amount of work done; a positive count resets
 * any back-off.
 *
 * <p><b>Note:</b> instances hold back-off state and belong to one thread; use {@link #copy()} for another.
 */
public interface IdleStrategy {

    /**
     * @param workCount work done in the last cycle; {@code > 0} resets back-off, {@code 0} idles
     */
    void idle(int workCount);

    /** Resets back-off state. */
    void reset();

    /** @return a fresh instance with the same settings, for another thread */
    IdleStrategy copy();

    /** @return spins with {@link Thread#onSpinWait()}; lowest latency, burns a core */
    static IdleStrategy busySpin() {
        return BusySpinIdleStrategy.INSTANCE;
    }

    /** @return calls {@link Thread#yield()}; low latency, yields the core to other runnable threads */
    static IdleStrategy yielding() {
        return YieldingIdleStrategy.INSTANCE;
    }

    /**
     * @param maxSpins  spins before yielding
     * @param maxYields yields before parking
     * @param minParkNanos first park duration
     * @param maxParkNanos longest park duration (doubles up to it)
     * @return spin, then yield, then park with exponential back-off
     */
    static IdleStrategy backoff(int maxSpins, int maxYields, long minParkNanos, long maxParkNanos) {
        return new BackoffIdleStrategy(maxSpins, maxYields, minParkNanos, maxParkNanos);
    }

    /** @return the default for session workers: 100 spins, 10 yields, then parks from 1 µs up to 100 µs */
    static IdleStrategy backoff() {
        return new BackoffIdleStrategy(100, 10, 1_000, 100_000);
    }
}
