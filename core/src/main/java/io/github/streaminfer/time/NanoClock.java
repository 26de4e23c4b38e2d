package io.github.streaminfer.time;

/**
 * A monotonic clock in nanoseconds. All of StreamInfer's time (staleness, rate limits, fps, latency) goes through
 * one, so tests can drive time by hand.
 *
 * <p><b>Note:</b> implementations are thread-safe and allocation-free.
 *
 * @since 0.1.0
 */
@FunctionalInterface
public interface NanoClock {

    /** The JVM's monotonic clock, {@link System#nanoTime()}. */
    NanoClock SYSTEM = System::nanoTime;

    /** {@return the current time in nanoseconds; only differences are meaningful} */
    long nanoTime();
}
