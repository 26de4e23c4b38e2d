package io.github.streaminfer.action;

import io.github.streaminfer.session.LatencySnapshot;
import io.github.streaminfer.stats.HistogramRecorder;
import io.github.streaminfer.stats.LogLinearHistogram;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The counters and recorders of an {@link ActionController}, and the {@link ActionStats} snapshot built from them.
 * Tick counts, tick interventions, the observation age and the jerk are written by the consumer; offer counts and
 * offer interventions by the producer; each counter has one writer, so a plain read plus a release store counts it.
 *
 * <p><b>Note:</b> {@code tick}, {@code recordAge} and {@code recordJerk} from the consumer thread only;
 * {@code offered}, {@code accepted} and {@code rejected} from the producer thread only; {@link #snapshot} from any
 * thread (snapshots are serialised by a lock that the writers never take).
 */
final class ActionMetrics {
    private static final long AGE_HIGHEST = TimeUnit.SECONDS.toNanos(60);
    private static final long JERK_HIGHEST = 1_000_000_000_000_000L;
    private static final int TICKS = 0;
    private static final int TICKS_ACTIVE = 1;
    private static final int TICKS_STARVED = 2;
    private static final int TICKS_STALE = 3;
    private static final int TICKS_ESTOP = 4;
    private static final int OFFERED = 0;
    private static final int ACCEPTED = 1;
    private static final int REJECTED = 2;

    private final AtomicLongArray tickCounts = new AtomicLongArray(5);
    private final AtomicLongArray tickInterventions = new AtomicLongArray(Intervention.values().length);
    private final AtomicLongArray offerCounts = new AtomicLongArray(3);
    private final AtomicLongArray offerInterventions = new AtomicLongArray(Intervention.values().length);
    private static final int PRECISION = LogLinearHistogram.DEFAULT_PRECISION_BITS;
    private final HistogramRecorder ageRecorder = HistogramRecorder.singleWriter(AGE_HIGHEST, PRECISION);
    private final HistogramRecorder jerkMilliRecorder = HistogramRecorder.singleWriter(JERK_HIGHEST, PRECISION);
    private final Object snapshotLock = new Object();
    private final LogLinearHistogram ageTotal = new LogLinearHistogram(AGE_HIGHEST, PRECISION);
    private final LogLinearHistogram jerkMilliTotal = new LogLinearHistogram(JERK_HIGHEST, PRECISION);

    /** Counts an offer (producer). */
    void offered() {
        inc(offerCounts, OFFERED);
    }

    /** Counts an accepted offer (producer). */
    void accepted() {
        inc(offerCounts, ACCEPTED);
    }

    /**
     * Counts a rejected offer and why (producer).
     *
     * @param kind why it was rejected
     */
    void rejected(Intervention kind) {
        inc(offerCounts, REJECTED);
        inc(offerInterventions, kind.ordinal());
    }

    /**
     * Counts a tick by its state and each intervention it raised (consumer).
     *
     * @param state the command's state
     * @param bits  the command's {@link Intervention} bits
     */
    void tick(ActionCommand.State state, int bits) {
        inc(tickCounts, TICKS);
        if (state == ActionCommand.State.ACTIVE) {
            inc(tickCounts, TICKS_ACTIVE);
        }
        if (state == ActionCommand.State.ESTOP) {
            inc(tickCounts, TICKS_ESTOP);
        }
        if (Intervention.STARVED.in(bits)) {
            inc(tickCounts, TICKS_STARVED);
        }
        if (Intervention.STALE.in(bits)) {
            inc(tickCounts, TICKS_STALE);
        }
        while (bits != 0) {
            int k = Integer.numberOfTrailingZeros(bits);
            inc(tickInterventions, k);
            bits &= bits - 1;
        }
    }

    /**
     * Records the age of an active command's observation (consumer), clamped to the recorder's range.
     *
     * @param ageNanos tick time minus capture time
     */
    void recordAge(long ageNanos) {
        ageRecorder.recordValue(ageNanos < 1 ? 1 : Math.min(ageNanos, AGE_HIGHEST));
    }

    /**
     * Records a jerk norm (consumer) in thousandths, clamped to the recorder's range; ignores NaN.
     *
     * @param jerk the jerk norm, units/s³
     */
    void recordJerk(double jerk) {
        if (jerk >= 0) {
            double milli = jerk * 1000;
            long v = milli < 1 ? 1 : (milli > JERK_HIGHEST ? JERK_HIGHEST : (long) milli);
            jerkMilliRecorder.recordValue(v);
        }
    }

    /**
     * Folds the recorders' latest intervals into the totals and builds a snapshot (any thread).
     *
     * @param lostChunks chunks the handoff overwrote before the consumer drained them
     * @param estopTrips emergency-stop trips so far
     * @param estopCause why the emergency stop is latched now
     * @return the snapshot
     */
    ActionStats snapshot(long lostChunks, long estopTrips, EmergencyStop estopCause) {
        synchronized (snapshotLock) {
            ageRecorder.addIntervalTo(ageTotal);
            jerkMilliRecorder.addIntervalTo(jerkMilliTotal);
            Map<Intervention, Long> kinds = new EnumMap<>(Intervention.class);
            for (Intervention k : Intervention.values()) {
                long n = tickInterventions.get(k.ordinal()) + offerInterventions.get(k.ordinal());
                if (n != 0) {
                    kinds.put(k, n);
                }
            }
            LogLinearHistogram a = ageTotal;
            LatencySnapshot age = a.totalCount() == 0 ? LatencySnapshot.EMPTY
                    : new LatencySnapshot(a.totalCount(), a.mean(), a.valueAtPercentile(50), a.valueAtPercentile(90),
                    a.valueAtPercentile(99), a.valueAtPercentile(99.9), a.max());
            LogLinearHistogram j = jerkMilliTotal;
            ActionStats.Distribution jerk = j.totalCount() == 0 ? ActionStats.Distribution.EMPTY
                    : new ActionStats.Distribution(j.totalCount(), j.mean() / 1000,
                    j.valueAtPercentile(50) / 1000.0, j.valueAtPercentile(99) / 1000.0, j.max() / 1000.0);
            return new ActionStats(tickCounts.get(TICKS), tickCounts.get(TICKS_ACTIVE), tickCounts.get(TICKS_STARVED),
                    tickCounts.get(TICKS_STALE), tickCounts.get(TICKS_ESTOP), offerCounts.get(OFFERED),
                    offerCounts.get(ACCEPTED), offerCounts.get(REJECTED), lostChunks, estopTrips, estopCause, kinds,
                    age, jerk);
        }
    }

    private static void inc(AtomicLongArray a, int i) {
        a.setRelease(i, a.getPlain(i) + 1);
    }
}
