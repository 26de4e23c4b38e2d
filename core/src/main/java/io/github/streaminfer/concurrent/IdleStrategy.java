package io.github.streaminfer.concurrent;

/**
 * What a duty-cycle worker does when a cycle found no work: sleep until woken, spin, yield, or park with back-off.
 *
 * <p>A worker calls {@link #idle(int, WakeSignal)} after every cycle with the amount of work done; a positive count
 * resets any spin or back-off. Session workers and {@code WorkerPool} threads pass their {@link WakeSignal}, which
 * producers signal after every frame they hand over.
 *
 * <p>Choosing one:
 * <ul>
 *   <li>{@link #parking()}, the default: an idle worker sleeps until a producer wakes it, so a waiting session costs
 *       no CPU at all; each frame that finds its worker asleep pays one wake-up (an {@code unpark} on the
 *       producer, a few to some tens of microseconds until the worker runs, depending on the OS).</li>
 *   <li>{@link #parking(long)} spins for a while before sleeping. A frame that arrives within the spin skips the
 *       wake-up, which pays off when frames come faster than the spin; but the spin occupies a core after every
 *       burst, and on a small machine (two cores shared with event loops and the client) it takes that core from
 *       the threads that would produce or deliver the next frame. Keep it small (a few to tens of
 *       microseconds) and use it only with cores to spare.</li>
 *   <li>{@link #busySpin()} and {@link #yielding()}: for a worker that owns a dedicated (isolated) core, such as a
 *       robot controller's; lowest latency, a whole core each, always. Never on a shared or small machine.</li>
 *   <li>{@link #backoff(int, int, long, long)}: spin, yield, then timed parks with back-off; it polls (never woken),
 *       so it costs a little CPU when idle and adds up to its longest park to a frame's wait.</li>
 * </ul>
 *
 * <p><b>Note:</b> instances hold spin or back-off state and belong to one thread; use {@link #copy()} for another.
 *
 * @since 0.1.0
 */
public interface IdleStrategy {

    /**
     * Idles a worker that has no {@link WakeSignal}: polling strategies spin, yield or park for a bounded time.
     *
     * @param workCount work done in the last cycle; {@code > 0} resets back-off, {@code 0} idles
     */
    void idle(int workCount);

    /**
     * Idles a worker that producers wake through {@code signal}. The default ignores the signal and calls
     * {@link #idle(int)}: a polling strategy finds new work by looking again. {@link #parking()} sleeps on the signal.
     *
     * @param workCount work done in the last cycle; {@code > 0} resets back-off, {@code 0} idles
     * @param signal    the worker's own signal; {@link WakeSignal#park()} sleeps on it
     */
    default void idle(int workCount, WakeSignal signal) {
        idle(workCount);
    }

    /** Resets spin or back-off state. */
    void reset();

    /** {@return a fresh instance with the same settings, for another thread} */
    IdleStrategy copy();

    /**
     * {@return the default for session workers and worker pools: sleeps as soon as a cycle finds no work, until a
     * producer wakes it or a timed duty (pacing) is due; idle costs nothing}
     */
    static IdleStrategy parking() {
        return new ParkingIdleStrategy(0);
    }

    /**
     * Spins up to {@code spinNanos} after the last work, then sleeps like {@link #parking()}. See the class
     * description for when a spin pays off.
     *
     * @param spinNanos how long to spin before sleeping, 0 to 1,000,000 ns (0 sleeps at once)
     * @return a parking strategy with a spin phase
     */
    static IdleStrategy parking(long spinNanos) {
        return new ParkingIdleStrategy(spinNanos);
    }

    /** {@return spins with {@link Thread#onSpinWait()}; lowest latency, burns a core: for a dedicated core only} */
    static IdleStrategy busySpin() {
        return BusySpinIdleStrategy.INSTANCE;
    }

    /**
     * {@return calls {@link Thread#yield()}; low latency, burns a core whenever nothing else is runnable: for a
     *         dedicated core only}
     *
     */
    static IdleStrategy yielding() {
        return YieldingIdleStrategy.INSTANCE;
    }

    /**
     * Spin, then yield, then park with exponential back-off. Polls: producers never wake it.
     *
     * @param maxSpins  spins before yielding
     * @param maxYields yields before parking
     * @param minParkNanos first park duration
     * @param maxParkNanos longest park duration (doubles up to it)
     * @return a back-off strategy
     */
    static IdleStrategy backoff(int maxSpins, int maxYields, long minParkNanos, long maxParkNanos) {
        return new BackoffIdleStrategy(maxSpins, maxYields, minParkNanos, maxParkNanos);
    }

    /**
     * {@return 100 spins, 10 yields, then parks from 1 µs up to 100 µs: about 10,000 wake-ups a second per idle
     * worker (the default before {@link #parking()})}
     */
    static IdleStrategy backoff() {
        return new BackoffIdleStrategy(100, 10, 1_000, 100_000);
    }
}
