package io.github.streaminfer.samples;

import io.github.streaminfer.action.ActionCommand;
import io.github.streaminfer.action.ActionConfig;
import io.github.streaminfer.action.ActionController;
import io.github.streaminfer.action.ActionStage;
import io.github.streaminfer.action.ActionStats;
import io.github.streaminfer.action.AggregationConfig;
import io.github.streaminfer.action.ControlLoop;
import io.github.streaminfer.action.Intervention;
import io.github.streaminfer.action.SafetyConfig;
import io.github.streaminfer.action.SmoothingConfig;
import io.github.streaminfer.backend.Backends;
import io.github.streaminfer.backend.InferenceBackend;
import io.github.streaminfer.backend.LoadedModel;
import io.github.streaminfer.backend.ModelOptions;
import io.github.streaminfer.backend.ModelSource;
import io.github.streaminfer.exceptions.BackendUnavailableException;
import io.github.streaminfer.image.ImageSpec;
import io.github.streaminfer.image.PixelFormat;
import io.github.streaminfer.session.IngressPolicy;
import io.github.streaminfer.session.LatencySnapshot;
import io.github.streaminfer.session.ProducerMode;
import io.github.streaminfer.session.SessionConfig;
import io.github.streaminfer.session.SessionStats;
import io.github.streaminfer.session.Stage;
import io.github.streaminfer.session.StreamingInferenceSession;
import io.github.streaminfer.synthetic.SyntheticModels;
import io.github.streaminfer.task.ActionChunk;
import io.github.streaminfer.task.ImageFrame;
import io.github.streaminfer.task.PolicyObservation;
import io.github.streaminfer.task.PolicyTask;
import io.github.streaminfer.task.RawImage;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * The main demo: a simulated robot driven by a chunked policy through StreamInfer.
 *
 * <ul>
 *   <li>A policy model (camera image 96x96 + robot state → 50 × 7 action chunk) is written at start and loaded on
 *       the embedded default backend, ONNX Runtime on CPU, or the one {@code --backend} names ({@code tensorrt} on
 *       {@code cuda:0}, {@code openvino} on its CPU device). A backend that is unavailable here falls back to onnx
 *       with one line on stderr saying why, unless {@code --backend-strict} asks to fail instead.</li>
 *   <li>A camera thread produces 30 frames per second; each becomes a {@link PolicyObservation} with the robot's
 *       pose and velocity. The session is {@code LATEST_ONLY} and paced to 10 inferences per second, so the policy
 *       always sees the freshest frame.</li>
 *   <li>Each decoded chunk goes through {@link ActionStage} to an {@link ActionController}; a 100 Hz
 *       {@link ControlLoop} executes one command per tick: ACT temporal ensembling of overlapping chunks, EMA
 *       smoothing (gripper exempt), Franka-like velocity/acceleration/jerk caps, a workspace box, and the staleness
 *       watchdog.</li>
 * </ul>
 * At the end it prints where every frame went and what the safety chain did.
 */
public final class RobotControlDemo {
    static final int IMAGE = 96;
    static final int STATE = 14;
    static final int HORIZON = 50;
    static final int DIM = SyntheticModels.Policy.ACTION_DIM;

    private RobotControlDemo() {
    }

    static final String USAGE = "usage: bin/demo [seconds] [--backend onnx|tensorrt|openvino] [--backend-strict]";

    /**
     * Runs the demo and exits non-zero if it did not drive the robot.
     *
     * @param args optional: seconds to run (default 5), {@code --backend ID}, {@code --backend-strict}
     */
    public static void main(String[] args) {
        Options o;
        try {
            o = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            System.err.println(USAGE);
            System.exit(2);
            return;
        }
        InferenceBackend backend;
        try {
            backend = o.backend(line -> System.err.println("demo: " + line));
        } catch (BackendUnavailableException e) {
            System.err.println("error: " + e.getMessage());
            System.exit(2);
            return;
        }
        Summary s = run(Duration.ofMillis((long) (o.seconds() * 1000)), backend, System.out);
        if (!s.healthy()) {
            System.exit(1);
        }
    }

    /**
     * The demo's command line.
     *
     * @param seconds how long to run
     * @param backend the backend id asked for
     * @param strict  fail instead of falling back to onnx when {@code backend} is unavailable
     */
    record Options(double seconds, String backend, boolean strict) {
        static Options parse(String[] args) {
            double seconds = 5;
            String backend = "onnx";
            boolean strict = false;
            boolean sawSeconds = false;
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                if (a.equals("--backend")) {
                    if (++i >= args.length) {
                        throw new IllegalArgumentException("--backend needs a value");
                    }
                    backend = args[i];
                } else if (a.equals("--backend-strict")) {
                    strict = true;
                } else if (!sawSeconds && !a.startsWith("--")) {
                    sawSeconds = true;
                    try {
                        seconds = Double.parseDouble(a);
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException("seconds '" + a + "' is not a number");
                    }
                    if (!(seconds > 0) || seconds > 86_400) {
                        throw new IllegalArgumentException("seconds is " + a + "; allowed: > 0 to 86400");
                    }
                } else {
                    throw new IllegalArgumentException("unknown argument '" + a + "'");
                }
            }
            return new Options(seconds, backend, strict);
        }

        /**
         * {@return the backend to run on}: the one asked for, or onnx if it is unavailable and not strict.
         *
         * @param notice receives the fallback line
         * @throws io.github.streaminfer.exceptions.BackendUnavailableException listing every backend if the id is
         *                                                                    unknown, or unavailable when strict
         */
        InferenceBackend backend(Consumer<String> notice) {
            return strict ? Backends.require(backend) : Backends.requireOrFallback(backend, "onnx",
                    line -> notice.accept(line + "; --backend-strict fails instead"));
        }
    }

    /** What a run produced, for the caller (and the demo's test) to check. */
    record Summary(SessionStats session, ActionStats actions, long loopTicks, long executedTicks) {
        boolean healthy() {
            return session.isBalanced() && session.inferred() > 0 && session.failed() == 0 && executedTicks > 0;
        }
    }

    static Summary run(Duration duration, PrintStream out) {
        return run(duration, Backends.require("onnx"), out);
    }

    static Summary run(Duration duration, InferenceBackend backend, PrintStream out) {
        out.println("backend: " + backend.description());
        SyntheticModels.Policy policy = new SyntheticModels.Policy(IMAGE, IMAGE, STATE, HORIZON, 0);
        SimulatedRobot robot = new SimulatedRobot();

        ActionConfig actionConfig = ActionConfig.builder()
                .dim(DIM).maxHorizon(HORIZON)
                .stepPeriod(Duration.ofMillis(20))                      // the chunk's steps: 50 Hz
                .controlPeriod(Duration.ofMillis(10))                   // the robot loop: 100 Hz
                .aggregation(AggregationConfig.temporalEnsemble(0.01))  // ACT
                .smoothing(SmoothingConfig.ema(0.5).toBuilder().exemptAxes(6).build())
                .safety(SafetyConfig.frankaCartesian().toBuilder()
                        .workspace(new int[]{0, 1, 2}, new double[]{-0.6, -0.6, 0.05},
                                new double[]{0.6, 0.6, 0.9})
                        .staleAfter(Duration.ofMillis(400))             // a chunk covers 1 s; replan well before
                        .build())
                .build();

        ModelOptions options = backend.id().equals("tensorrt") ? ModelOptions.builder().device("cuda:0").build()
                : ModelOptions.DEFAULT; // TensorRT refuses the default device, cpu
        try (LoadedModel model = backend.load(ModelSource.ofBytes("policy-96x96-50x7.onnx", policy.bytes()),
                options);
             ActionController controller = ActionController.builder(actionConfig).build();
             StreamingInferenceSession<PolicyObservation, ActionChunk> session = StreamingInferenceSession
                     .builder(model, PolicyTask.builder().image("image", ImageSpec.builder(IMAGE, IMAGE).build())
                             .state("state").action(policy.outputName()).build())
                     .config(SessionConfig.DEFAULT.toBuilder().name("policy")
                             .ingress(IngressPolicy.LATEST_ONLY).producerMode(ProducerMode.SINGLE)
                             .targetFps(10).maxFps(60).warmupIterations(5).build())
                     .listener(ActionStage.forChunks(controller))
                     .build()) {

            long[] executed = new long[1];
            ControlLoop loop = controller.startLoop(cmd -> {
                if (cmd.executable()) {
                    executed[0]++;
                }
                robot.apply(cmd, 0.01);
            }, robot::readPose);

            Camera camera = new Camera(IMAGE, IMAGE);
            long end = System.nanoTime() + duration.toNanos();
            long next = System.nanoTime();
            while (System.nanoTime() < end) {
                PolicyObservation obs = new PolicyObservation()
                        .images(ImageFrame.raw(camera.next()))
                        .pose(robot.poseAsFloats()).velocity(robot.velocityAsFloats());
                session.submit(obs);
                next += TimeUnit.MILLISECONDS.toNanos(33);
                LockSupport.parkNanos(next - System.nanoTime());
            }
            session.drainAndClose(2, TimeUnit.SECONDS);
            loop.close();

            Summary summary = new Summary(session.stats(), controller.stats(), loop.ticks(), executed[0]);
            print(summary, out);
            return summary;
        }
    }

    static void print(Summary s, PrintStream out) {
        SessionStats st = s.session();
        out.printf("%nsession '%s' (%s), %.1f s%n", st.name(), st.state(), st.runtimeSeconds());
        out.printf("  submitted %d = inferred %d + replaced %d + rejected %d + rate-limited %d + failed %d + queued %d"
                        + "   balanced: %s%n", st.submitted(), st.inferred(), st.droppedReplaced(), st.rejected(),
                st.rateLimited(), st.failed(), st.queued(), st.isBalanced());
        out.printf("  inference rate %.1f /s (target %.0f)%n", st.actualFps(), st.targetFps());
        for (Stage stage : Stage.values()) {
            LatencySnapshot l = st.latency(stage);
            if (l.count() == 0 && stage == Stage.NETWORK) {
                continue; // a local model has no network time
            }
            out.printf("  %-12s p50 %8.3f ms   p99 %8.3f ms   max %8.3f ms%n", stage,
                    LatencySnapshot.millis(l.p50Nanos()), LatencySnapshot.millis(l.p99Nanos()),
                    LatencySnapshot.millis(l.maxNanos()));
        }
        ActionStats a = s.actions();
        out.printf("%ncontrol loop: %d ticks, %d executable, %d starved, %d stale, e-stop trips %d%n", s.loopTicks(),
                s.executedTicks(), a.starvedTicks(), a.staleTicks(), a.estopTrips());
        out.printf("  chunks offered %d, accepted %d, rejected %d%n", a.chunksOffered(), a.chunksAccepted(),
                a.chunksRejected());
        out.printf("  observation age at actuation: p50 %.1f ms, p99 %.1f ms%n",
                LatencySnapshot.millis(a.observationAge().p50Nanos()),
                LatencySnapshot.millis(a.observationAge().p99Nanos()));
        out.print("  safety interventions:");
        boolean any = false;
        for (Map.Entry<Intervention, Long> e : a.interventions().entrySet()) {
            if (e.getValue() > 0) {
                out.printf(" %s=%d", e.getKey(), e.getValue());
                any = true;
            }
        }
        out.println(any ? "" : " none");
    }

    /** A synthetic camera: a bright square moving across a gradient. */
    static final class Camera {
        private final int width;
        private final int height;
        private int frame;

        Camera(int width, int height) {
            this.width = width;
            this.height = height;
        }

        RawImage next() {
            byte[] px = new byte[width * height * 3];
            int sx = (frame * 2) % width;
            for (int y = 0; y < height; y++) {
                for (int x = 0; x < width; x++) {
                    int i = (y * width + x) * 3;
                    boolean square = x >= sx && x < sx + 16 && y >= 40 && y < 56;
                    px[i] = (byte) (square ? 255 : x * 2);
                    px[i + 1] = (byte) (square ? 255 : y * 2);
                    px[i + 2] = (byte) (square ? 0 : 128);
                }
            }
            frame++;
            return new RawImage(width, height, PixelFormat.RGB, px);
        }
    }

    /** A Cartesian robot that moves to each command's target; its pose feeds both the policy and the loop. */
    static final class SimulatedRobot {
        private final double[] pose = {0.3, 0.0, 0.4, 0, 0, 0, 0};
        private final double[] velocity = new double[DIM];

        synchronized void apply(ActionCommand cmd, double dt) {
            for (int d = 0; d < DIM; d++) {
                double v = cmd.value(d);
                velocity[d] = (v - pose[d]) / dt;
                pose[d] = v;
            }
        }

        synchronized boolean readPose(double[] dst) {
            System.arraycopy(pose, 0, dst, 0, DIM);
            return true;
        }

        synchronized float[] poseAsFloats() {
            float[] f = new float[DIM];
            for (int d = 0; d < DIM; d++) {
                f[d] = (float) pose[d];
            }
            return f;
        }

        synchronized float[] velocityAsFloats() {
            float[] f = new float[DIM];
            for (int d = 0; d < DIM; d++) {
                f[d] = (float) velocity[d];
            }
            return f;
        }
    }
}
