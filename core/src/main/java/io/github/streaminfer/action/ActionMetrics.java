package io.github.streaminfer.action;

import io.github.streaminfer.session.LatencySnapshot;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.SingleWriterRecorder;

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
    private final SingleWriterRecorder ageRecorder = new SingleWriterRecorder(1, AGE_HIGHEST, 2);
    private final SingleWriterRecorder jerkMilliRecorder = new SingleWriterRecorder(1, JERK_HIGHEST, 2);
    private final Object snapshotLock = new Object();
    private final Histogram ageTotal = new Histogram(1, AGE_HIGHEST, 2);
    private final Histogram jerkMilliTotal = new Histogram(1, JERK_HIGHEST, 2);
    private Histogram ageInterval;
    private Histogram jerkMilliInterval;

    ActionMetrics() {
        this.ageInterval = ageRecorder.getIntervalHistogram();
        this.jerkMilliInterval = jerkMilliRecorder.getIntervalHistogram();
    }

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
            ageInterval = ageRecorder.getIntervalHistogram(ageInterval);
            ageTotal.add(ageInterval);
            jerkMilliInterval = jerkMilliRecorder.getIntervalHistogram(jerkMilliInterval);
            jerkMilliTotal.add(jerkMilliInterval);
            Map<Intervention, Long> kinds = new EnumMap<>(Intervention.class);
            for (Intervention k : Intervention.values()) {
                long n = tickInterventions.get(k.ordinal()) + offerInterventions.get(k.ordinal());
                if (n != 0) {
                    kinds.put(k, n);
                }
            }
            LatencySnapshot age = ageTotal.getTotalCount() == 0 ? LatencySnapshot.EMPTY
                    : new LatencySnapshot(ageTotal.getTotalCount(), ageTotal.getMean(), ageTotal.getValueAtPercentile(50),
                    ageTotal.getValueAtPercentile(90), ageTotal.getValueAtPercentile(99),
                    ageTotal.getValueAtPercentile(99.9), ageTotal.getMaxValue());
            Histogram j = jerkMilliTotal;
            ActionStats.Distribution jerk = j.getTotalCount() == 0 ? ActionStats.Distribution.EMPTY
                    : new ActionStats.Distribution(j.getTotalCount(), j.getMean() / 1000,
                    j.getValueAtPercentile(50) / 1000.0, j.getValueAtPercentile(99) / 1000.0, j.getMaxValue() / 1000.0);
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
