package io.github.streaminfer.samples.stats;

import java.util.Arrays;

/**
 * Records when a stream was started and when each of its frames arrived, with the frame's size, and summarises them
 * as the generated-frame seed's client does: time to first frame, average fps, frame intervals, bandwidth.
 *
 * <p><b>Note:</b> thread-safe: {@link #start}, {@link #frame} and {@link #summary} synchronise on this object, so a
 * receiving thread may record while another thread reports.
 */
public final class FrameStats {
    private long startNanos = Long.MIN_VALUE;
    private long[] arrivals = new long[1024];
    private int frames;
    private long bytes;

    /**
     * Marks the moment the stream was asked for (the start command, or the first frame sent).
     *
     * @param nanos a {@link System#nanoTime()} reading
     */
    public synchronized void start(long nanos) {
        startNanos = nanos;
    }

    /**
     * Records one received frame.
     *
     * @param nanos a {@link System#nanoTime()} reading
     * @param size  the frame's size in bytes (the binary image, or the message)
     */
    public synchronized void frame(long nanos, long size) {
        if (frames == arrivals.length) {
            arrivals = Arrays.copyOf(arrivals, frames * 2);
        }
        arrivals[frames++] = nanos;
        bytes += size;
    }

    /** {@return the number of frames recorded so far} */
    public synchronized int frames() {
        return frames;
    }

    /**
     * Summarises what was recorded so far.
     *
     * @param nowNanos the moment of the summary, for the duration of a stream without frames
     * @return the summary
     */
    public synchronized StatsSummary summary(long nowNanos) {
        double ttff = frames > 0 && startNanos != Long.MIN_VALUE ? (arrivals[0] - startNanos) / 1e9 : Double.NaN;
        double total = startNanos != Long.MIN_VALUE
                ? ((frames > 0 ? arrivals[frames - 1] : nowNanos) - startNanos) / 1e9 : Double.NaN;
        double span = frames > 1 ? (arrivals[frames - 1] - arrivals[0]) / 1e9 : Double.NaN;
        double fps = frames > 1 ? (frames - 1) / span : Double.NaN;
        int n = Math.max(0, frames - 1);
        double[] intervals = new double[n];
        for (int i = 0; i < n; i++) {
            intervals[i] = (arrivals[i + 1] - arrivals[i]) / 1e6;
        }
        Arrays.sort(intervals);
        double mean = Double.NaN;
        double median = Double.NaN;
        double std = Double.NaN;
        if (n > 0) {
            double sum = 0;
            for (double v : intervals) {
                sum += v;
            }
            mean = sum / n;
            double sq = 0;
            for (double v : intervals) {
                sq += (v - mean) * (v - mean);
            }
            std = Math.sqrt(sq / n);
            median = n % 2 == 1 ? intervals[n / 2] : (intervals[n / 2 - 1] + intervals[n / 2]) / 2;
        }
        double mbps = frames > 1 ? bytes * 8 / span / 1e6 : Double.NaN;
        return new StatsSummary(frames, total, ttff, fps, bytes, frames > 0 ? (double) bytes / frames : Double.NaN,
                mbps, n, mean, median, std, n > 0 ? intervals[0] : Double.NaN, n > 0 ? intervals[n - 1] : Double.NaN);
    }
}
