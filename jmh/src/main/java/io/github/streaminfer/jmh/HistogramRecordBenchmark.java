package io.github.streaminfer.jmh;

import io.github.streaminfer.stats.HistogramRecorder;
import io.github.streaminfer.stats.LogLinearHistogram;
import org.HdrHistogram.Recorder;
import org.HdrHistogram.SingleWriterRecorder;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * The cost of recording one latency on the hot path: the project's {@link HistogramRecorder} (what a session worker
 * and the transport record into) against HdrHistogram's recorders, the peer it replaced, at the same precision (two
 * significant digits, {@link LogLinearHistogram#DEFAULT_PRECISION_BITS} bits), for values spread over six octaves
 * of nanoseconds. {@code single} is one writer ({@code singleWriter} / {@code SingleWriterRecorder}); {@code multi}
 * is the shared, atomic recorder ({@code multiWriter} / {@code Recorder}), measured by {@link #recordShared} from 4
 * threads at once. No reader runs: this is the writer's cost alone.
 *
 * <p>Target: 0 B/op ({@code -prof gc}) for every peer.
 *
 * <pre>
 * java -jar jmh/target/benchmarks.jar HistogramRecordBenchmark -prof gc
 * </pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 2)
@Fork(value = 2, jvmArgsAppend = {"-Xms256m", "-Xmx256m"})
public class HistogramRecordBenchmark {
    private static final long HIGHEST = 3_600_000_000_000L;
    private static final int VALUES = 4096;

    /** Recorders under test, shared by every benchmark thread. */
    @State(Scope.Benchmark)
    public static class Recorders {
        /** Which implementation records. */
        @Param({"streaminfer", "hdrhistogram"})
        public String peer;

        boolean ours;
        HistogramRecorder oursSingle;
        HistogramRecorder oursMulti;
        SingleWriterRecorder hdrSingle;
        Recorder hdrMulti;

        /** Creates the recorders for this trial. */
        @Setup(Level.Trial)
        public void setUp() {
            ours = peer.equals("streaminfer");
            oursSingle = HistogramRecorder.singleWriter(HIGHEST, LogLinearHistogram.DEFAULT_PRECISION_BITS);
            oursMulti = HistogramRecorder.multiWriter(HIGHEST, LogLinearHistogram.DEFAULT_PRECISION_BITS);
            hdrSingle = new SingleWriterRecorder(HIGHEST, 2);
            hdrMulti = new Recorder(HIGHEST, 2);
        }
    }

    /** The values one thread records, cycled. */
    @State(Scope.Thread)
    public static class Values {
        final long[] values = new long[VALUES];
        int next;

        /** Latency-like values: 10 us to 1 ms, log-uniform. */
        @Setup(Level.Trial)
        public void setUp() {
            SplittableRandom rnd = new SplittableRandom(42);
            for (int i = 0; i < VALUES; i++) {
                values[i] = (long) (10_000 * Math.pow(2, rnd.nextDouble() * 6.6));
            }
        }

        long next() {
            next = (next + 1) & (VALUES - 1);
            return values[next];
        }
    }

    /**
     * One value into the single-writer recorder.
     *
     * @param r the recorders
     * @param v this thread's values
     */
    @Benchmark
    public void recordSingleWriter(Recorders r, Values v) {
        if (r.ours) {
            r.oursSingle.recordValue(v.next());
        } else {
            r.hdrSingle.recordValue(v.next());
        }
    }

    /**
     * One value into the shared recorder, from 4 threads at once.
     *
     * @param r the recorders
     * @param v this thread's values
     */
    @Benchmark
    @Threads(4)
    public void recordShared(Recorders r, Values v) {
        if (r.ours) {
            r.oursMulti.recordValue(v.next());
        } else {
            r.hdrMulti.recordValue(v.next());
        }
    }
}
