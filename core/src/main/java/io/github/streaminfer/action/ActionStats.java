package io.github.streaminfer.action;

import io.github.streaminfer.session.LatencySnapshot;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;

/**
 * A snapshot of an {@link ActionController}'s counters, taken with {@link ActionController#stats()} from any thread.
 *
 * @param ticks               calls to {@code next}
 * @param activeTicks         ticks that returned an executable command
 * @param starvedTicks        ticks with no step scheduled for them (the loop asked, nothing fresh was queued)
 * @param staleTicks          ticks whose newest action was older than the staleness deadline
 * @param estopTicks          ticks spent with the emergency stop latched
 * @param chunksOffered       actions/chunks handed to {@code offer}
 * @param chunksAccepted      of those, accepted
 * @param chunksRejected      of those, rejected (non-finite or wrong size)
 * @param chunksSkipped       accepted chunks the control loop never read because the producer lapped it
 * @param estopTrips          times the emergency stop latched
 * @param estopCause          why the emergency stop is latched now, {@link EmergencyStop#NONE} if it is not
 * @param interventions       interventions by kind (ticks or actions that had each kind)
 * @param observationAge      age of the observation behind each executable command (capture to tick), ns
 * @param boundaryJerk        jerk magnitude (Euclidean over the capped axes, units/s&sup3;) at ticks where the
 *                            executed action switched to a newer frame
 * @since 0.1.0
 */
public record ActionStats(long ticks, long activeTicks, long starvedTicks, long staleTicks, long estopTicks,
                          long chunksOffered, long chunksAccepted, long chunksRejected, long chunksSkipped,
                          long estopTrips, EmergencyStop estopCause, Map<Intervention, Long> interventions,
                          LatencySnapshot observationAge, Distribution boundaryJerk) {

    /**
     * Copies the map.
     *
     * @param ticks          see the class description
     * @param activeTicks    see the class description
     * @param starvedTicks   see the class description
     * @param staleTicks     see the class description
     * @param estopTicks     see the class description
     * @param chunksOffered  see the class description
     * @param chunksAccepted see the class description
     * @param chunksRejected see the class description
     * @param chunksSkipped  see the class description
     * @param estopTrips     see the class description
     * @param estopCause     see the class description
     * @param interventions  see the class description
     * @param observationAge see the class description
     * @param boundaryJerk   see the class description
     */
    public ActionStats {
        interventions = Collections.unmodifiableMap(new EnumMap<>(interventions));
    }

    /**
     * {@return how often it was applied}
     *
     * @param kind an intervention kind
     */
    public long interventions(Intervention kind) {
        return interventions.getOrDefault(kind, 0L);
    }

    /**
     * Summary of a distribution of non-negative values (count, mean and maximum exact; percentiles at most
     * 0.79 % above the exact nearest-rank value).
     *
     * @param count samples
     * @param mean  mean
     * @param p50   median
     * @param p99   99th percentile
     * @param max   largest sample
     */
    public record Distribution(long count, double mean, double p50, double p99, double max) {
        /** No samples. */
        public static final Distribution EMPTY = new Distribution(0, 0, 0, 0, 0);
    }
}
