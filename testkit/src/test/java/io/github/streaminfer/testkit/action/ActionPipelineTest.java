package io.github.streaminfer.testkit.action;

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
import io.github.streaminfer.session.SessionConfig;
import io.github.streaminfer.session.StreamingInferenceSession;
import io.github.streaminfer.task.FloatArrayTask;
import io.github.streaminfer.task.FloatVector;
import io.github.streaminfer.tensor.DType;
import io.github.streaminfer.tensor.Tensor;
import io.github.streaminfer.testkit.ScriptedModel;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * End to end: observations into a session, a scripted policy returning 50 x 7 chunks, the action stage on the
 * worker, a 500 Hz control loop on its own thread, a simulated robot that follows the commands.
 */
class ActionPipelineTest {
    static final int H = 50;
    static final int D = 7;

    /** Policy: step k of the chunk = observed pose + (k + 1) * 1 mm along x; gripper closes (1). */
    static ScriptedModel policy() {
        return ScriptedModel.builder().input("state", DType.FLOAT32, 1, D).output("actions", DType.FLOAT32, 1, H * D)
                .latencyNanos(2_000_000)
                .script((Tensor[] in, Tensor[] out) -> {
                    for (int k = 0; k < H; k++) {
                        for (int d = 0; d < D; d++) {
                            float base = in[0].getFloat(d);
                            out[0].putFloat(k * D + d, d == 0 ? base + 0.001f * (k + 1) : (d == 6 ? 1f : base));
                        }
                    }
                }).build();
    }

    /** A robot that is exactly where it was last commanded, and checks what it is sent. */
    static final class FakeRobot {
        final double[] pose = {0.4, 0.0, 0.3, 0, 0, 0, 0};
        final AtomicLong nonFinite = new AtomicLong();
        final AtomicReference<String> problem = new AtomicReference<>();

        synchronized void apply(ActionCommand cmd) {
            for (double v : cmd.values()) {
                if (!Double.isFinite(v)) {
                    nonFinite.incrementAndGet();
                }
            }
            if (cmd.executable() && cmd.observationAgeNanos() > 400_000_000L) {
                problem.set("executed a stale command " + cmd);
            }
            System.arraycopy(cmd.values(), 0, pose, 0, D);
        }

        synchronized boolean read(double[] dst) {
            System.arraycopy(pose, 0, dst, 0, D);
            return true;
        }

        synchronized float[] observe() {
            float[] o = new float[D];
            for (int d = 0; d < D; d++) {
                o[d] = (float) pose[d];
            }
            return o;
        }
    }

    @Test
    void sessionDrivesTheRobotThroughTheActionStage() throws Exception {
        FakeRobot robot = new FakeRobot();
        // --- the example from docs/notes-action.md ---
        ActionConfig config = ActionConfig.builder()
                .dim(7).maxHorizon(50)
                .stepPeriod(Duration.ofMillis(20))                     // the policy's chunk steps: 50 Hz
                .controlPeriod(Duration.ofMillis(2))                   // the robot loop: 500 Hz
                .aggregation(AggregationConfig.temporalEnsemble(0.01)) // ACT
                .smoothing(SmoothingConfig.ema(0.5).toBuilder().exemptAxes(6).build()) // never smooth the gripper
                .safety(SafetyConfig.frankaCartesian().toBuilder()
                        .workspace(new int[]{0, 1, 2}, new double[]{0.2, -0.5, 0.05}, new double[]{0.8, 0.5, 0.9})
                        .staleAfter(Duration.ofMillis(400))            // a chunk covers 1 s; replan well before
                        .build())
                .build();
        ActionController controller = ActionController.builder(config).build();
        StreamingInferenceSession<float[], FloatVector> session = StreamingInferenceSession
                .builder(policy(), FloatArrayTask.firstInputOutput())
                .config(SessionConfig.DEFAULT.toBuilder().resultsCapacity(0).build())
                .listener(ActionStage.forVectors(controller))                  // runs on the session's worker
                .build();
        AtomicLong executed = new AtomicLong();
        ControlLoop loop = controller.startLoop(cmd -> {                // runs on the loop's own thread
            if (cmd.executable()) {
                executed.incrementAndGet();
            }
            robot.apply(cmd);                                           // decelerate/hold values are safe too
        }, robot::read);
        // --- end of example ---
        try {
            long end = System.nanoTime() + 1_500_000_000L;
            while (System.nanoTime() < end) {
                if (controller.needsRefill()) {
                    session.submit(robot.observe());
                }
                Thread.sleep(10);
            }
            assertThat(robot.problem.get()).isNull();
            assertThat(robot.nonFinite.get()).isZero();
            assertThat(executed.get()).as("executable ticks").isGreaterThan(100);
            ActionStats stats = controller.stats();
            assertThat(stats.chunksAccepted()).isGreaterThan(1);
            assertThat(stats.observationAge().count()).isEqualTo(stats.activeTicks());
            assertThat(stats.observationAge().maxNanos()).isLessThanOrEqualTo(400_000_000L * 101 / 100);
            // the policy moves +x; the robot must have moved, within the workspace
            synchronized (robot) {
                assertThat(robot.pose[0]).isGreaterThan(0.41).isLessThanOrEqualTo(0.8);
                assertThat(robot.pose[6]).isEqualTo(1.0);
            }
            // the producer stops: the watchdog must bring the robot to a hold
            Thread.sleep(800);
            double[] before;
            synchronized (robot) {
                before = robot.pose.clone();
            }
            Thread.sleep(50);
            synchronized (robot) {
                assertThat(robot.pose).containsExactly(before);
            }
            assertThat(controller.stats().interventions(Intervention.STALE)).isPositive();
        } finally {
            loop.close();
            session.close();
            controller.close();
        }
        assertThat(loop.listenerErrors()).isZero();
    }
}
