package io.github.streaminfer.stats;

/**
 * Records values into a {@link LogLinearHistogram} on the hot path and hands what was recorded since the last time to
 * a reader on another thread: the reader swaps the interval histogram for a spare one, waits (see
 * {@link RecordingPhaser}) until no writer is still inside the old one, adds it to the reader's total and clears it.
 * Recording never blocks on a reader, takes no lock and allocates nothing.
 *
 * <p>{@link #singleWriter} records with plain writes (one recording thread at a time); {@link #multiWriter} with
 * atomic adds, for values recorded by several threads at once.
 *
 * <p><b>Note:</b> {@link #recordValue} from one thread ({@link #singleWriter}) or from any number
 * ({@link #multiWriter}); {@link #addIntervalTo} from any thread, serialised by this recorder.
 *
 * @since 0.1.0
 */
public final class HistogramRecorder {
    private final boolean shared;
    private final RecordingPhaser phaser = new RecordingPhaser();
    private final Object readerLock = new Object();
    private volatile LogLinearHistogram active;
    private LogLinearHistogram spare;

    private HistogramRecorder(long highestTrackableValue, int precisionBits, boolean shared) {
        this.shared = shared;
        this.active = new LogLinearHistogram(highestTrackableValue, precisionBits);
        this.spare = active.emptyCopy();
    }

    /**
     * Creates a recorder for one recording thread at a time.
     *
     * @param highestTrackableValue the largest value with its own bucket
     * @param precisionBits         the relative error of a percentile is below {@code 2^-precisionBits}
     * @return the recorder
     * @throws IllegalArgumentException as {@link LogLinearHistogram#LogLinearHistogram(long, int)}
     */
    public static HistogramRecorder singleWriter(long highestTrackableValue, int precisionBits) {
        return new HistogramRecorder(highestTrackableValue, precisionBits, false);
    }

    /**
     * Creates a recorder that any number of threads may record into at once.
     *
     * @param highestTrackableValue the largest value with its own bucket
     * @param precisionBits         the relative error of a percentile is below {@code 2^-precisionBits}
     * @return the recorder
     * @throws IllegalArgumentException as {@link LogLinearHistogram#LogLinearHistogram(long, int)}
     */
    public static HistogramRecorder multiWriter(long highestTrackableValue, int precisionBits) {
        return new HistogramRecorder(highestTrackableValue, precisionBits, true);
    }

    /**
     * Records one value.
     *
     * @param value the value; negative values count as 0, values beyond the range go to the top bucket
     */
    public void recordValue(long value) {
        long ticket = phaser.enter();
        if (shared) {
            active.recordValueAtomic(value);
        } else {
            active.recordValue(value);
        }
        phaser.exit(ticket);
    }

    /**
     * Adds the values recorded since the previous call to a histogram, and starts a new interval.
     *
     * @param total where the interval's values go; the caller's, not shared with recording threads
     * @throws IllegalArgumentException if {@code total}'s precision differs from this recorder's
     */
    public void addIntervalTo(LogLinearHistogram total) {
        if (total.precisionBits() != spare.precisionBits()) {
            throw new IllegalArgumentException("precisionBits is " + total.precisionBits() + "; allowed: "
                    + spare.precisionBits() + " (this recorder's)");
        }
        synchronized (readerLock) {
            LogLinearHistogram finished = active;
            active = spare;
            phaser.flip();
            total.add(finished);
            finished.reset();
            spare = finished;
        }
    }
}
