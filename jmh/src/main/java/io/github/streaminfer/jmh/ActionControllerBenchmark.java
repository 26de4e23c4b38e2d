package io.github.streaminfer.jmh;

import io.github.streaminfer.action.ActionCommand;
import io.github.streaminfer.action.ActionConfig;
import io.github.streaminfer.action.ActionController;
import io.github.streaminfer.action.AggregationConfig;
import io.github.streaminfer.action.EmergencyStop;
import io.github.streaminfer.action.SafetyConfig;
import io.github.streaminfer.action.SmoothingConfig;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * {@code ActionController.next()} for a 1 kHz control loop fed by 50 x 7 action chunks at 10 Hz (a new chunk every
 * 100 ticks, offered on the same thread so its merge is inside the measured tick that follows), with every stage
 * on: chunk aggregation ({@code aggregation} param), interpolation, smoothing ({@code smoothing} param), per-axis
 * bounds, workspace box, Franka-like velocity/acceleration/jerk caps, max step, staleness watchdog and the score
 * trip. Time is an explicit argument advanced by 1 ms per call, so the controller always sees a 1 kHz loop.
 *
 * <p>Targets: 0 B/op ({@code -prof gc}, read on {@link #nextAverage()}) and p99 &lt;= 2 us ({@link #next()},
 * {@link Mode#SampleTime}).
 *
 * <pre>
 * java -jar jmh/target/benchmarks.jar ActionControllerBenchmark -prof gc
 * </pre>
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 5)
@Fork(value = 2, jvmArgsAppend = {"-Xms256m", "-Xmx256m"})
@State(Scope.Thread)
public class ActionControllerBenchmark {
    private static final int H = 50;
    private static final int D = 7;
    private static final long TICK = 1_000_000L;

    /** Chunk aggregation. */
    @Param({"TEMPORAL_ENSEMBLE", "LATEST_ONLY"})
    public String aggregation;

    /** Smoothing filter. */
    @Param({"ONE_EURO", "LOW_PASS"})
    public String smoothing;

    private ActionController controller;
    private ActionCommand command;
    private float[][] chunks;
    private double[] pose;
    private long now;
    private long tick;
    private long frame;

    /** Builds the controller and fills its queue. */
    @Setup
    public void setup() {
        SmoothingConfig s = SmoothingConfig.Kind.valueOf(smoothing) == SmoothingConfig.Kind.ONE_EURO
                ? SmoothingConfig.oneEuro(1.0, 0.5).toBuilder().exemptAxes(6).build()
                : SmoothingConfig.lowPass(10).toBuilder().exemptAxes(6).build();
        AggregationConfig a = AggregationConfig.Mode.valueOf(aggregation) == AggregationConfig.Mode.TEMPORAL_ENSEMBLE
                ? AggregationConfig.temporalEnsemble(0.01) : AggregationConfig.latestOnly();
        ActionConfig config = ActionConfig.builder().dim(D).maxHorizon(H)
                .stepPeriod(Duration.ofMillis(20)).controlPeriod(Duration.ofMillis(1))
                .aggregation(a).smoothing(s).interpolate(true)
                .safety(SafetyConfig.frankaCartesian().toBuilder()
                        .axisBounds(new double[]{-1, -1, 0, -4, -4, -4, 0}, new double[]{1, 1, 1.2, 4, 4, 4, 1})
                        .workspace(new int[]{0, 1, 2}, new double[]{-0.8, -0.8, 0.05}, new double[]{0.8, 0.8, 1.0})
                        .maxStep(0.002, 0.002, 0.002, 0.003, 0.003, 0.003, Double.POSITIVE_INFINITY) // gripper uncapped
                        .staleAfter(Duration.ofMillis(500))
                        .estopBelowScore(0.0001)
                        .build())
                .build();
        controller = ActionController.builder(config).build();
        command = new ActionCommand(D);
        chunks = trajectory();
        pose = new double[]{0.3, 0.1, 0.5, 0, 0, 0.1, 0}; // on the trajectory at t = 0
        now = 1_000_000_000L;
        offer();
    }

    /** 20 chunks, 100 ms apart, of one continuous 2 s periodic trajectory (computed here, not in the tick). */
    private static float[][] trajectory() {
        float[][] chunks = new float[20][H * D];
        for (int c = 0; c < chunks.length; c++) {
            for (int k = 0; k < H; k++) {
                double t = c * 0.1 + k * 0.02;
                double w = Math.PI;
                float[] v = chunks[c];
                v[k * D] = (float) (0.3 + 0.1 * Math.sin(w * t));
                v[k * D + 1] = (float) (0.1 * Math.cos(w * t));
                v[k * D + 2] = (float) (0.5 + 0.05 * Math.sin(2 * w * t));
                v[k * D + 3] = (float) (0.2 * Math.sin(w * t));
                v[k * D + 4] = 0f;
                v[k * D + 5] = (float) (0.1 * Math.cos(w * t));
                v[k * D + 6] = (t % 2) < 1 ? 0f : 1f;
            }
        }
        return chunks;
    }

    private void offer() {
        controller.offer(chunks[(int) (frame % chunks.length)], 0, H * D, ++frame, now);
    }

    /** Fails the run if the measured path was not the normal one (e-stop latched or commands not executable). */
    @TearDown
    public void check() {
        if (controller.emergencyStopCause() != EmergencyStop.NONE || !command.executable()) {
            throw new IllegalStateException("benchmark left the executable path: " + command + ", "
                    + controller.stats());
        }
    }

    /**
     * One control tick.
     *
     * @return the command (consumed by JMH)
     */
    @Benchmark
    public ActionCommand next() {
        if (++tick % 100 == 0) {
            offer();
        }
        now += TICK;
        return controller.next(now, pose, command);
    }

    /**
     * The same tick in {@link Mode#AverageTime}: read {@code gc.alloc.rate.norm} here for B/op, since SampleTime's
     * own sample buffers show up as a fraction of a byte per operation.
     *
     * @return the command
     */
    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    public ActionCommand nextAverage() {
        return next();
    }
}
