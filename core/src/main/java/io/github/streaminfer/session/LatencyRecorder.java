package io.github.streaminfer.session;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.SingleWriterRecorder;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Per-stage latency histograms. The worker records wait-free into {@link SingleWriterRecorder}s; snapshots (any
 * thread, serialised by this object's monitor) fold the recorders' interval histograms into cumulative ones,
 * recycling the interval histograms, so recording never allocates.
 */
final class LatencyRecorder {
    static final long HIGHEST_TRACKABLE_NANOS = TimeUnit.SECONDS.toNanos(60);
    private static final int DIGITS = 2;
    private final SingleWriterRecorder[] recorders = new SingleWriterRecorder[Stage.values().length];
    private final Histogram[] cumulative = new Histogram[Stage.values().length];
    private final Histogram[] interval = new Histogram[Stage.values().length];

    LatencyRecorder() {
        for (int i = 0; i < recorders.length; i++) {
            recorders[i] = new SingleWriterRecorder(1, HIGHEST_TRACKABLE_NANOS, DIGITS);
            cumulative[i] = new Histogram(1, HIGHEST_TRACKABLE_NANOS, DIGITS);
        }
    }

    /** Worker only. Values outside the trackable range are clamped. */
    void record(Stage stage, long nanos) {
        long v = nanos < 1 ? 1 : Math.min(nanos, HIGHEST_TRACKABLE_NANOS);
        recorders[stage.ordinal()].recordValue(v);
    }

    synchronized Map<Stage, LatencySnapshot> snapshot() {
        Map<Stage, LatencySnapshot> out = new EnumMap<>(Stage.class);
        for (Stage s : Stage.values()) {
            int i = s.ordinal();
            interval[i] = recorders[i].getIntervalHistogram(interval[i]);
            cumulative[i].add(interval[i]);
            Histogram h = cumulative[i];
            out.put(s, h.getTotalCount() == 0 ? LatencySnapshot.EMPTY
                    : new LatencySnapshot(h.getTotalCount(), h.getMean(), h.getValueAtPercentile(50),
                    h.getValueAtPercentile(90), h.getValueAtPercentile(99), h.getValueAtPercentile(99.9),
                    h.getMaxValue()));
        }
        return out;
    }

    synchronized void clear() {
        for (int i = 0; i < recorders.length; i++) {
            interval[i] = recorders[i].getIntervalHistogram(interval[i]);
            cumulative[i].reset();
        }
    }
}
