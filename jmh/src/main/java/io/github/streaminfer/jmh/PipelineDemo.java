package io.github.streaminfer.jmh;

import io.github.streaminfer.session.IngressPolicy;
import io.github.streaminfer.session.LatencySnapshot;
import io.github.streaminfer.session.SessionConfig;
import io.github.streaminfer.session.SessionStats;
import io.github.streaminfer.session.Stage;
import io.github.streaminfer.session.StreamingInferenceSession;
import io.github.streaminfer.task.FloatArrayTask;
import io.github.streaminfer.task.FloatVector;
import io.github.streaminfer.tensor.DType;
import io.github.streaminfer.testkit.ScriptedModel;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A camera-like producer at 100 fps feeding a model that takes 15 ms per frame through a LATEST_ONLY session:
 * the session keeps only the freshest frame, and the statistics show where every frame went.
 */
public final class PipelineDemo {
    private PipelineDemo() {
    }

    /**
     * @param args optional: seconds to run (default 3)
     */
    public static void main(String[] args) {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        ScriptedModel model = ScriptedModel.builder().name("slow-policy")
                .input("state", DType.FLOAT32, 1, 7).output("action", DType.FLOAT32, 1, 7)
                .script(ScriptedModel.Script.affine(0.5f, 0f)).latencyNanos(TimeUnit.MILLISECONDS.toNanos(15))
                .build();
        SessionConfig config = SessionConfig.DEFAULT.toBuilder().name("demo").ingress(IngressPolicy.LATEST_ONLY)
                .maxFps(200).build();
        try (StreamingInferenceSession<float[], FloatVector> session = StreamingInferenceSession
                .builder(model, FloatArrayTask.firstInputOutput()).config(config).build()) {
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            long next = System.nanoTime();
            for (int i = 0; System.nanoTime() < end; i++) {
                float[] state = {i, 0, 0, 0, 0, 0, 1};
                session.submit(state);
                next += TimeUnit.MILLISECONDS.toNanos(10);
                LockSupport.parkNanos(next - System.nanoTime());
            }
            session.drainAndClose(2, TimeUnit.SECONDS);
            print(session.stats());
        }
    }

    static void print(SessionStats s) {
        System.out.printf("session %s (%s) ran %.2f s%n", s.name(), s.state(), s.runtimeSeconds());
        System.out.printf("  submitted %d = inferred %d + replaced %d + rejected %d + rate-limited %d + failed %d + queued %d"
                        + "  (balanced: %s)%n", s.submitted(), s.inferred(), s.droppedReplaced(), s.rejected(),
                s.rateLimited(), s.failed(), s.queued(), s.isBalanced());
        System.out.printf("  actual fps %.1f, drop rate %.1f %%%n", s.actualFps(), s.dropRatePercent());
        for (Stage st : Stage.values()) {
            LatencySnapshot l = s.latency(st);
            System.out.printf("  %-12s p50 %8.3f ms  p99 %8.3f ms  max %8.3f ms%n", st, LatencySnapshot.millis(l.p50Nanos()),
                    LatencySnapshot.millis(l.p99Nanos()), LatencySnapshot.millis(l.maxNanos()));
        }
    }
}
