package io.github.streaminfer.stats;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;

/**
 * A histogram of non-negative {@code long} values (latencies in nanoseconds, for example) in log-linear buckets:
 * values below {@code 2^(p+1)} have a bucket each, and every power-of-two range above is split into {@code 2^p}
 * equal buckets, where {@code p} is the precision in bits.
 *
 * <p><b>Error bound.</b> {@link #valueAtPercentile} answers with the nearest-rank sample's bucket, by its highest
 * value, capped at {@link #max()}: the answer {@code r} for the exact nearest-rank value {@code x} satisfies
 * {@code x <= r < x * (1 + 2^-p)}; it is exact for {@code x < 2^(p+1)}, for the lowest rank and for the highest.
 * Precision 7 (the project's default, {@link #DEFAULT_PRECISION_BITS}) bounds the error below 0.79 %, as
 * two significant decimal digits do; precision 10 bounds it below 0.1 %. Count, minimum, maximum and mean are exact
 * (the mean as far as a {@code double} holds it). A histogram of precision {@code p} up to value {@code H} holds
 * about {@code 2^p × (log2(H) − p + 1)} counters of 8 bytes.
 *
 * <p>Negative values are recorded as 0. A value above {@link #highestTrackableValue()} is counted in the top
 * bucket: its percentiles then read at most {@code highestTrackableValue} (rounded up to its bucket), while count,
 * minimum, maximum and mean still use the value itself.
 *
 * <p><b>Note:</b> not thread-safe: {@link #recordValue} from one thread that also reads, or behind a
 * {@link HistogramRecorder} that hands finished intervals to a reader. Recording allocates nothing and takes no lock.
 *
 * @since 0.1.0
 */
public final class LogLinearHistogram {
    /** The precision of the project's latency histograms: relative error below {@code 2^-7} (0.79 %). */
    public static final int DEFAULT_PRECISION_BITS = 7;
    /** Highest precision accepted. */
    public static final int MAX_PRECISION_BITS = 16;

    private static final VarHandle COUNTS = MethodHandles.arrayElementVarHandle(long[].class);
    private static final VarHandle COUNT;
    private static final VarHandle MIN;
    private static final VarHandle MAX;
    private static final VarHandle SUM_LOW;
    private static final VarHandle SUM_HIGH;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            COUNT = l.findVarHandle(LogLinearHistogram.class, "count", long.class);
            MIN = l.findVarHandle(LogLinearHistogram.class, "min", long.class);
            MAX = l.findVarHandle(LogLinearHistogram.class, "max", long.class);
            SUM_LOW = l.findVarHandle(LogLinearHistogram.class, "sumLow", long.class);
            SUM_HIGH = l.findVarHandle(LogLinearHistogram.class, "sumHigh", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final int precisionBits;
    private final long highestTrackableValue;
    private final long[] counts;
    private long count;
    private long min = Long.MAX_VALUE;
    private long max = Long.MIN_VALUE;
    /** The sum of every value, as an unsigned 128-bit number: it never overflows. */
    private long sumLow;
    private long sumHigh;

    /**
     * Creates an empty histogram.
     *
     * @param highestTrackableValue the largest value with its own bucket, at least 1
     * @param precisionBits         {@code p}: the relative error of a percentile is below {@code 2^-p}; 1 to 16
     * @throws IllegalArgumentException if a value is outside its range
     */
    public LogLinearHistogram(long highestTrackableValue, int precisionBits) {
        if (precisionBits < 1 || precisionBits > MAX_PRECISION_BITS) {
            throw new IllegalArgumentException("precisionBits is " + precisionBits + "; allowed: 1 to "
                    + MAX_PRECISION_BITS);
        }
        if (highestTrackableValue < 1) {
            throw new IllegalArgumentException("highestTrackableValue is " + highestTrackableValue
                    + "; allowed: >= 1");
        }
        this.precisionBits = precisionBits;
        this.highestTrackableValue = highestTrackableValue;
        this.counts = new long[indexOf(highestTrackableValue, precisionBits) + 1];
    }

    /**
     * Creates an empty histogram with the same range and precision as this one.
     *
     * @return the new histogram
     */
    public LogLinearHistogram emptyCopy() {
        return new LogLinearHistogram(highestTrackableValue, precisionBits);
    }

    /**
     * Records one value: a few plain writes, no allocation.
     *
     * @param value the value; negative values count as 0
     */
    public void recordValue(long value) {
        long v = value < 0 ? 0 : value;
        counts[bucket(v)]++;
        count++;
        if (v < min) {
            min = v;
        }
        if (v > max) {
            max = v;
        }
        long low = sumLow + v;
        if (Long.compareUnsigned(low, sumLow) < 0) {
            sumHigh++;
        }
        sumLow = low;
    }

    /**
     * Records one value with atomic updates, so that several threads may record into this histogram at once (and
     * no thread reads it meanwhile). Lock-free: atomic adds, and a compare-and-set only when the value is a new
     * minimum or maximum.
     */
    void recordValueAtomic(long value) {
        long v = value < 0 ? 0 : value;
        COUNTS.getAndAdd(counts, bucket(v), 1L);
        COUNT.getAndAdd(this, 1L);
        long m = (long) MIN.getVolatile(this);
        while (v < m && !MIN.weakCompareAndSet(this, m, v)) {
            m = (long) MIN.getVolatile(this);
        }
        m = (long) MAX.getVolatile(this);
        while (v > m && !MAX.weakCompareAndSet(this, m, v)) {
            m = (long) MAX.getVolatile(this);
        }
        long before = (long) SUM_LOW.getAndAdd(this, v);
        if (Long.compareUnsigned(before + v, before) < 0) {
            SUM_HIGH.getAndAdd(this, 1L);
        }
    }

    /**
     * Adds every value of another histogram to this one. Values beyond this histogram's range go to its top bucket.
     *
     * @param other a histogram of the same precision
     * @throws IllegalArgumentException if the precisions differ
     */
    public void add(LogLinearHistogram other) {
        if (other.precisionBits != precisionBits) {
            throw new IllegalArgumentException("precisionBits is " + other.precisionBits + "; allowed: "
                    + precisionBits + " (this histogram's)");
        }
        if (other.count == 0) {
            return;
        }
        int top = counts.length - 1;
        long[] theirs = other.counts;
        for (int i = 0; i < theirs.length; i++) {
            if (theirs[i] != 0) {
                counts[Math.min(i, top)] += theirs[i];
            }
        }
        count += other.count;
        min = Math.min(min, other.min);
        max = Math.max(max, other.max);
        long low = sumLow + other.sumLow;
        sumHigh += other.sumHigh + (Long.compareUnsigned(low, sumLow) < 0 ? 1 : 0);
        sumLow = low;
    }

    /** Forgets every value. */
    public void reset() {
        if (count != 0) {
            Arrays.fill(counts, 0);
        }
        count = 0;
        min = Long.MAX_VALUE;
        max = Long.MIN_VALUE;
        sumLow = 0;
        sumHigh = 0;
    }

    /** {@return how many values were recorded} */
    public long totalCount() {
        return count;
    }

    /** {@return the smallest value recorded, or 0 when empty} */
    public long min() {
        return count == 0 ? 0 : min;
    }

    /** {@return the largest value recorded, or 0 when empty} */
    public long max() {
        return count == 0 ? 0 : max;
    }

    /** {@return the arithmetic mean of the values recorded, or 0 when empty} */
    public double mean() {
        if (count == 0) {
            return 0;
        }
        double low = (double) (sumLow >>> 1) * 2.0 + (sumLow & 1);
        return (sumHigh * 0x1p64 + low) / count;
    }

    /**
     * {@return the value at a percentile}: the nearest-rank sample (rank {@code ceil(percentile / 100 × count)}, at
     * least 1) read from its bucket, within the relative error stated in the class javadoc; 0 when empty.
     *
     * @param percentile 0 to 100
     * @throws IllegalArgumentException if it is outside 0 to 100 or NaN
     */
    public long valueAtPercentile(double percentile) {
        if (!(percentile >= 0 && percentile <= 100)) {
            throw new IllegalArgumentException("percentile is " + percentile + "; allowed: 0 to 100");
        }
        if (count == 0) {
            return 0;
        }
        double exact = percentile / 100.0 * count;
        // one part in 10^12 below: 99.9 % of 1000 computes as 999.0000000000001 in binary floating point
        long rank = Math.max(1, Math.min(count, (long) Math.ceil(exact - exact * 1e-12)));
        if (rank == 1) {
            return min;
        }
        if (rank == count) {
            return max;
        }
        long seen = 0;
        for (int i = 0; i < counts.length; i++) {
            seen += counts[i];
            if (seen >= rank) {
                return Math.min(max, highestInBucket(i, precisionBits));
            }
        }
        return max;
    }

    /** {@return the precision in bits: percentiles are within a relative error of {@code 2^-precisionBits}} */
    public int precisionBits() {
        return precisionBits;
    }

    /** {@return the largest value with its own bucket} */
    public long highestTrackableValue() {
        return highestTrackableValue;
    }

    private int bucket(long v) {
        return v > highestTrackableValue ? counts.length - 1 : indexOf(v, precisionBits);
    }

    /** {@return the bucket of a non-negative value}: exact below {@code 2^(p+1)}, then {@code 2^p} per octave. */
    static int indexOf(long value, int p) {
        int shift = Math.max(0, 63 - Long.numberOfLeadingZeros(value) - p);
        return (shift << p) + (int) (value >>> shift);
    }

    /** {@return the smallest value of a bucket} */
    static long lowestInBucket(int index, int p) {
        if (index < (2 << p)) {
            return index;
        }
        int shift = (index >>> p) - 1;
        return (long) (index - (shift << p)) << shift;
    }

    /** {@return the largest value of a bucket} */
    static long highestInBucket(int index, int p) {
        int shift = index < (2 << p) ? 0 : (index >>> p) - 1;
        return lowestInBucket(index, p) + ((1L << shift) - 1);
    }
}
