package io.github.streaminfer.stats;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.util.Arrays;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link LogLinearHistogram} against exact answers (a sorted array, nearest rank) and against HdrHistogram: every
 * percentile {@code r} of exact nearest-rank value {@code x} satisfies {@code x <= r < x (1 + 2^-p)}; count, min,
 * max and mean are exact.
 */
class LogLinearHistogramPropertiesTest {
    private static final double[] PERCENTILES = {0, 1, 10, 25, 50, 75, 90, 99, 99.9, 99.99, 100};

    /** Samples shaped like latencies, up to {@code highest}: log-uniform over many octaves, a cluster, outliers. */
    static long[] samples(SplittableRandom rnd, int n, long highest) {
        long[] v = new long[n];
        int shape = rnd.nextInt(4);
        for (int i = 0; i < n; i++) {
            v[i] = Math.min(highest, switch (shape) {
                case 0 -> (long) Math.pow(2, rnd.nextDouble() * (63 - Long.numberOfLeadingZeros(highest)));
                case 1 -> rnd.nextLong(0, 4096);
                case 2 -> 1_000_000 + rnd.nextLong(0, 50_000) + (rnd.nextInt(100) == 0 ? rnd.nextLong(highest / 2) : 0);
                default -> rnd.nextLong(0, highest + 1);
            });
        }
        return v;
    }

    /** The exact nearest-rank value: rank ceil(q/100 × n), at least 1, in decimal arithmetic. */
    static long nearestRank(long[] sorted, double percentile) {
        BigDecimal rank = new BigDecimal(Double.toString(percentile)).multiply(BigDecimal.valueOf(sorted.length))
                .divide(BigDecimal.valueOf(100), 0, RoundingMode.CEILING);
        long r = Math.max(1, rank.longValueExact());
        return sorted[(int) Math.min(r, sorted.length) - 1];
    }

    @Property(tries = 300)
    void percentilesAreWithinTheStatedRelativeErrorOfTheExactNearestRank(@ForAll long seed,
                                                                         @ForAll @IntRange(min = 1, max = 12) int bits) {
        SplittableRandom rnd = new SplittableRandom(seed);
        long highest = 1L << (10 + rnd.nextInt(50));
        long[] v = samples(rnd, 1 + rnd.nextInt(3000), highest);
        LogLinearHistogram h = new LogLinearHistogram(highest, bits);
        for (long x : v) {
            h.recordValue(x);
        }
        long[] sorted = v.clone();
        Arrays.sort(sorted);
        for (double q : PERCENTILES) {
            long exact = nearestRank(sorted, q);
            long got = h.valueAtPercentile(q);
            assertThat(got).as("p%s of %s values, %s bits", q, v.length, bits).isGreaterThanOrEqualTo(exact);
            if (got > exact) { // got - exact < exact × 2^-bits, in exact integer arithmetic
                assertThat(BigInteger.valueOf(got - exact).shiftLeft(bits)).as("p%s, %s bits: %s for %s", q, bits,
                        got, exact).isLessThan(BigInteger.valueOf(exact));
            }
            if (exact < (2L << bits)) {
                assertThat(got).as("values below 2^(p+1) are exact").isEqualTo(exact);
            }
        }
        assertThat(h.totalCount()).isEqualTo(v.length);
        assertThat(h.min()).isEqualTo(sorted[0]);
        assertThat(h.max()).isEqualTo(sorted[sorted.length - 1]);
        assertThat(h.mean()).isCloseTo(exactMean(v), org.assertj.core.data.Percentage.withPercentage(1e-9));
    }

    static double exactMean(long[] v) {
        BigInteger sum = BigInteger.ZERO;
        for (long x : v) {
            sum = sum.add(BigInteger.valueOf(x));
        }
        return new BigDecimal(sum).divide(BigDecimal.valueOf(v.length), java.math.MathContext.DECIMAL64)
                .doubleValue();
    }

    @Property(tries = 200)
    void percentilesAgreeWithHdrHistogramAtTheSamePrecision(@ForAll long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        long highest = 3_600_000_000_000L;
        long[] v = samples(rnd, 1 + rnd.nextInt(5000), highest);
        // two significant digits: HdrHistogram's sub-buckets of 2^7 per half octave, as precision 7 here
        Histogram hdr = new Histogram(highest, 2);
        LogLinearHistogram ours = new LogLinearHistogram(highest, LogLinearHistogram.DEFAULT_PRECISION_BITS);
        for (long x : v) {
            hdr.recordValue(x);
            ours.recordValue(x);
        }
        long[] sorted = v.clone();
        Arrays.sort(sorted);
        for (double q : PERCENTILES) {
            long exact = nearestRank(sorted, q);
            long theirs = hdr.getValueAtPercentile(q);
            long mine = ours.valueAtPercentile(q);
            // both within 2^-7 above the exact value, so within 2^-7 of each other; ours is capped at the maximum
            long tolerance = (long) Math.ceil(exact / 128.0) + 1;
            assertThat(Math.abs(mine - Math.min(theirs, hdr.getMaxValue()))).as("p%s: ours %s, HdrHistogram %s, exact %s",
                    q, mine, theirs, exact).isLessThanOrEqualTo(tolerance);
        }
        assertThat(ours.totalCount()).isEqualTo(hdr.getTotalCount());
        assertThat(ours.mean()).isCloseTo(hdr.getMean(), org.assertj.core.data.Percentage.withPercentage(1));
    }

    @Property(tries = 100)
    void addingHistogramsEqualsRecordingEveryValueIntoOne(@ForAll long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        long[] a = samples(rnd, 1 + rnd.nextInt(500), 1L << 40);
        long[] b = samples(rnd, rnd.nextInt(500), 1L << 40);
        LogLinearHistogram ha = new LogLinearHistogram(1L << 40, 8);
        LogLinearHistogram hb = ha.emptyCopy();
        LogLinearHistogram all = ha.emptyCopy();
        for (long x : a) {
            ha.recordValue(x);
            all.recordValue(x);
        }
        for (long x : b) {
            hb.recordValue(x);
            all.recordValue(x);
        }
        ha.add(hb);
        for (double q : PERCENTILES) {
            assertThat(ha.valueAtPercentile(q)).isEqualTo(all.valueAtPercentile(q));
        }
        assertThat(ha.totalCount()).isEqualTo(all.totalCount());
        assertThat(ha.min()).isEqualTo(all.min());
        assertThat(ha.max()).isEqualTo(all.max());
        assertThat(ha.mean()).isEqualTo(all.mean());
    }

    @Property(tries = 200)
    void everyValueLiesInItsBucketAndBucketsAreNarrowerThanTheStatedError(
            @ForAll long value, @ForAll @IntRange(min = 1, max = 16) int bits) {
        long v = value & Long.MAX_VALUE;
        int i = LogLinearHistogram.indexOf(v, bits);
        long lo = LogLinearHistogram.lowestInBucket(i, bits);
        long hi = LogLinearHistogram.highestInBucket(i, bits);
        assertThat(v).isBetween(lo, hi);
        assertThat(BigInteger.valueOf(hi - lo).shiftLeft(bits)).isLessThanOrEqualTo(BigInteger.valueOf(lo));
        if (v > 0) {
            assertThat(LogLinearHistogram.indexOf(lo - 1, bits)).isEqualTo(i - 1);
        }
        if (hi < Long.MAX_VALUE) {
            assertThat(LogLinearHistogram.indexOf(hi + 1, bits)).isEqualTo(i + 1);
        }
    }

    @Test
    void theMeanOfHugeValuesDoesNotOverflow() {
        LogLinearHistogram h = new LogLinearHistogram(Long.MAX_VALUE, 7);
        for (int i = 0; i < 1000; i++) {
            h.recordValue(Long.MAX_VALUE);
        }
        h.recordValue(Long.MAX_VALUE - 1000);
        assertThat(h.mean()).isEqualTo((double) Long.MAX_VALUE);
        assertThat(h.valueAtPercentile(50)).isEqualTo(Long.MAX_VALUE);
        assertThat(h.min()).isEqualTo(Long.MAX_VALUE - 1000);
    }

    @Test
    void valuesOutsideTheRangeAreCountedWithExactExtremes() {
        LogLinearHistogram h = new LogLinearHistogram(1000, 7);
        h.recordValue(-5);
        h.recordValue(10);
        h.recordValue(1_000_000);
        h.recordValue(1_000_000);
        assertThat(h.totalCount()).isEqualTo(4);
        assertThat(h.min()).isZero();
        assertThat(h.max()).isEqualTo(1_000_000);
        assertThat(h.valueAtPercentile(50)).isEqualTo(10);
        assertThat(h.valueAtPercentile(100)).isEqualTo(1_000_000);
        assertThat(h.valueAtPercentile(75)).as("the top bucket reads as the range's last bucket")
                .isBetween(1000L, 1007L);
        assertThat(h.mean()).isEqualTo(2_000_010 / 4.0);
    }

    @Test
    void anEmptyHistogramReadsZeroAndResetEmptiesOne() {
        LogLinearHistogram h = new LogLinearHistogram(1000, 7);
        assertThat(h.valueAtPercentile(99)).isZero();
        assertThat(h.mean()).isZero();
        assertThat(h.max()).isZero();
        h.recordValue(5);
        h.reset();
        assertThat(h.totalCount()).isZero();
        assertThat(h.min()).isZero();
        assertThat(h.valueAtPercentile(50)).isZero();
    }

    @Test
    void invalidArgumentsAreNamedWithWhatIsAllowed() {
        assertThatThrownBy(() -> new LogLinearHistogram(1000, 0)).hasMessage("precisionBits is 0; allowed: 1 to 16");
        assertThatThrownBy(() -> new LogLinearHistogram(0, 7)).hasMessage("highestTrackableValue is 0; allowed: >= 1");
        LogLinearHistogram h = new LogLinearHistogram(1000, 7);
        assertThatThrownBy(() -> h.valueAtPercentile(100.5)).hasMessage("percentile is 100.5; allowed: 0 to 100");
        assertThatThrownBy(() -> h.add(new LogLinearHistogram(1000, 8)))
                .hasMessage("precisionBits is 8; allowed: 7 (this histogram's)");
        assertThatThrownBy(() -> HistogramRecorder.singleWriter(1000, 7).addIntervalTo(new LogLinearHistogram(1000, 8)))
                .hasMessage("precisionBits is 8; allowed: 7 (this recorder's)");
    }
}
