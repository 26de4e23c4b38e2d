package io.github.streaminfer.session;

import java.util.concurrent.TimeUnit;

/**
 * Latency distribution of one stage since the session started, in nanoseconds. Count, mean and maximum are exact;
 * percentiles come from a log-linear histogram and are at most 0.79 % above the exact nearest-rank value (the
 * precision of two significant digits).
 *
 * @param count number of samples
 * @param meanNanos mean
 * @param p50Nanos  median
 * @param p90Nanos  90th percentile
 * @param p99Nanos  99th percentile
 * @param p999Nanos 99.9th percentile
 * @param maxNanos  largest sample
 * @since 0.1.0
 */
public record LatencySnapshot(long count, double meanNanos, long p50Nanos, long p90Nanos, long p99Nanos,
                              long p999Nanos, long maxNanos) {

    /** No samples. */
    public static final LatencySnapshot EMPTY = new LatencySnapshot(0, 0, 0, 0, 0, 0, 0);

    /** {@return the mean in milliseconds} */
    public double meanMillis() {
        return meanNanos / 1e6;
    }

    /**
     * {@return it in milliseconds}
     *
     * @param nanos a value of this snapshot
     */
    public static double millis(long nanos) {
        return nanos / (double) TimeUnit.MILLISECONDS.toNanos(1);
    }
}
