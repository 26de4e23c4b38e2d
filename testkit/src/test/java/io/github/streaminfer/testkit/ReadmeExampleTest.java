package io.github.streaminfer.testkit;

import io.github.streaminfer.session.InferenceResult;
import io.github.streaminfer.session.IngressPolicy;
import io.github.streaminfer.session.SessionConfig;
import io.github.streaminfer.session.SessionStats;
import io.github.streaminfer.session.StreamingInferenceSession;
import io.github.streaminfer.session.SubmitStatus;
import io.github.streaminfer.task.FloatArrayTask;
import io.github.streaminfer.task.FloatVector;
import io.github.streaminfer.tensor.DType;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Holds the README's "testing your own code" snippet (a {@link ScriptedModel} in place of a model file) and runs the
 * quick-start session on it, so the README cannot drift from the API.
 */
class ReadmeExampleTest {

    @Test
    void quickStartCompilesAndRuns() throws Exception {
        // --- README: testing your own code ---
        ScriptedModel model = ScriptedModel.builder()
                .input("state", DType.FLOAT32, 1, 7).output("action", DType.FLOAT32, 1, 7)
                .script(ScriptedModel.Script.affine(0.5f, 0f)).build();
        // --- end of README code ---

        SessionConfig config = SessionConfig.DEFAULT.toBuilder()
                .name("policy").ingress(IngressPolicy.LATEST_ONLY).maxFps(50).build();

        try (StreamingInferenceSession<float[], FloatVector> session = StreamingInferenceSession
                .builder(model, FloatArrayTask.firstInputOutput())
                .config(config)
                .listener(result -> {               // on the session's worker: must not block
                    if (result.isSuccess()) {
                        float firstAxis = result.value().get(0);
                    }
                })
                .build()) {
            SubmitStatus status = session.submit(new float[] {0.3f, 0f, 0.5f, 0f, 0f, 0f, 1f});
            InferenceResult<FloatVector> latest = session.acquireLatest();   // from any thread
            if (latest != null) {
                try {
                    System.out.println(latest.value());
                } finally {
                    latest.release();
                }
            }
            SessionStats stats = session.stats();
            assertThat(status).isEqualTo(SubmitStatus.ACCEPTED);
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (session.stats().inferred() < 1 && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            InferenceResult<FloatVector> r = session.acquireLatest();
            assertThat(r).isNotNull();
            assertThat(r.value().toArray()).containsExactly(0.15f, 0f, 0.25f, 0f, 0f, 0f, 0.5f);
            r.release();
            assertThat(stats.submitted()).isEqualTo(1);
        }
    }
}
