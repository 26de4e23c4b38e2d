package io.github.streaminfer.session;

import io.github.streaminfer.stats.LogLinearHistogram;
import io.github.streaminfer.stats.RecordingPhaser;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Per-stage latency histograms for one worker. The worker records a whole frame (every stage) inside one
 * {@link RecordingPhaser} critical section: two atomic operations per frame, no allocation, never blocked by a
 * reader. A snapshot (any thread, serialised by this object's monitor) swaps the active and inactive histogram
 * sets, waits for the writer to leave the old set, and folds it into cumulative histograms.
 *
 * <p><b>Note:</b> {@link #begin()}, {@link #record} and {@link #end(long)} are for the single worker thread only.
 */
final class LatencyRecorder {
    static final long HIGHEST_TRACKABLE_NANOS = TimeUnit.SECONDS.toNanos(60);
    private static final int STAGES = Stage.values().length;

    private final RecordingPhaser phaser = new RecordingPhaser();
    private volatile LogLinearHistogram[] active = newSet();
    private LogLinearHistogram[] inactive = newSet();
    private final LogLinearHistogram[] cumulative = newSet();

    private static LogLinearHistogram[] newSet() {
        LogLinearHistogram[] set = new LogLinearHistogram[STAGES];
        for (int i = 0; i < STAGES; i++) {
            set[i] = new LogLinearHistogram(HIGHEST_TRACKABLE_NANOS, LogLinearHistogram.DEFAULT_PRECISION_BITS);
        }
        return set;
    }

    /** Worker only: opens the critical section for one frame's values. */
    long begin() {
        return phaser.enter();
    }

    /** Worker only, between begin and end. Values outside the trackable range are clamped. */
    void record(Stage stage, long nanos) {
        long v = nanos < 1 ? 1 : Math.min(nanos, HIGHEST_TRACKABLE_NANOS);
        active[stage.ordinal()].recordValue(v);
    }

    /** Worker only: closes the critical section. */
    void end(long token) {
        phaser.exit(token);
    }

    synchronized Map<Stage, LatencySnapshot> snapshot() {
        flip();
        Map<Stage, LatencySnapshot> out = new EnumMap<>(Stage.class);
        for (Stage s : Stage.values()) {
            out.put(s, of(cumulative[s.ordinal()]));
        }
        return out;
    }

    /** {@return the snapshot of a histogram of nanoseconds} */
    static LatencySnapshot of(LogLinearHistogram h) {
        return h.totalCount() == 0 ? LatencySnapshot.EMPTY
                : new LatencySnapshot(h.totalCount(), h.mean(), h.valueAtPercentile(50), h.valueAtPercentile(90),
                h.valueAtPercentile(99), h.valueAtPercentile(99.9), h.max());
    }

    synchronized void clear() {
        flip();
        for (LogLinearHistogram h : cumulative) {
            h.reset();
        }
    }

    /** Moves what the writer recorded so far into the cumulative histograms. Caller holds the monitor. */
    private void flip() {
        LogLinearHistogram[] previous = active;
        active = inactive;
        phaser.flip();
        inactive = previous;
        for (int i = 0; i < STAGES; i++) {
            cumulative[i].add(previous[i]);
            previous[i].reset();
        }
    }
}
