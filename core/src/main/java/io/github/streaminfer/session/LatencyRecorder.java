package io.github.streaminfer.session;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.WriterReaderPhaser;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Per-stage latency histograms for one worker. The worker records a whole frame (every stage) inside one
 * {@link WriterReaderPhaser} critical section: two atomic operations per frame, no allocation, never blocked by a
 * reader. A snapshot (any thread, serialised by this object's monitor) swaps the active and inactive histogram
 * sets, waits for the writer to leave the old set, and folds it into cumulative histograms.
 *
 * <p><b>Note:</b> {@link #begin()}, {@link #record} and {@link #end(long)} are for the single worker thread only.
 */
final class LatencyRecorder {
    static final long HIGHEST_TRACKABLE_NANOS = TimeUnit.SECONDS.toNanos(60);
    private static final int DIGITS = 2;
    private static final int STAGES = Stage.values().length;

    private final WriterReaderPhaser phaser = new WriterReaderPhaser();
    private volatile Histogram[] active = newSet();
    private Histogram[] inactive = newSet();
    private final Histogram[] cumulative = newSet();

    private static Histogram[] newSet() {
        Histogram[] set = new Histogram[STAGES];
        for (int i = 0; i < STAGES; i++) {
            set[i] = new Histogram(1, HIGHEST_TRACKABLE_NANOS, DIGITS);
        }
        return set;
    }

    /** Worker only: opens the critical section for one frame's values. */
    long begin() {
        return phaser.writerCriticalSectionEnter();
    }

    /** Worker only, between begin and end. Values outside the trackable range are clamped. */
    void record(Stage stage, long nanos) {
        long v = nanos < 1 ? 1 : Math.min(nanos, HIGHEST_TRACKABLE_NANOS);
        active[stage.ordinal()].recordValue(v);
    }

    /** Worker only: closes the critical section. */
    void end(long token) {
        phaser.writerCriticalSectionExit(token);
    }

    synchronized Map<Stage, LatencySnapshot> snapshot() {
        flip();
        Map<Stage, LatencySnapshot> out = new EnumMap<>(Stage.class);
        for (Stage s : Stage.values()) {
            Histogram h = cumulative[s.ordinal()];
            out.put(s, h.getTotalCount() == 0 ? LatencySnapshot.EMPTY
                    : new LatencySnapshot(h.getTotalCount(), h.getMean(), h.getValueAtPercentile(50),
                    h.getValueAtPercentile(90), h.getValueAtPercentile(99), h.getValueAtPercentile(99.9),
                    h.getMaxValue()));
        }
        return out;
    }

    synchronized void clear() {
        flip();
        for (Histogram h : cumulative) {
            h.reset();
        }
    }

    /** Moves what the writer recorded so far into the cumulative histograms. Caller holds the monitor. */
    private void flip() {
        phaser.readerLock();
        try {
            Histogram[] previous = active;
            active = inactive;
            inactive = previous;
            phaser.flipPhase();
            for (int i = 0; i < STAGES; i++) {
                cumulative[i].add(previous[i]);
                previous[i].reset();
            }
        } finally {
            phaser.readerUnlock();
        }
    }
}
