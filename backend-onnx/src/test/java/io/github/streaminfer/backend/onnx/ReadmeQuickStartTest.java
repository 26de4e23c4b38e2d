package io.github.streaminfer.backend.onnx;

import io.github.streaminfer.backend.Backends;
import io.github.streaminfer.backend.LoadedModel;
import io.github.streaminfer.backend.ModelOptions;
import io.github.streaminfer.backend.ModelSource;
import io.github.streaminfer.session.InferenceResult;
import io.github.streaminfer.session.IngressPolicy;
import io.github.streaminfer.session.SessionConfig;
import io.github.streaminfer.session.SessionStats;
import io.github.streaminfer.session.StreamingInferenceSession;
import io.github.streaminfer.session.SubmitStatus;
import io.github.streaminfer.synthetic.SyntheticModels;
import io.github.streaminfer.task.FloatArrayTask;
import io.github.streaminfer.task.FloatVector;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Holds the README's first example, which runs a real ONNX model with nothing but {@code streaminfer-backend-onnx}
 * on the class path (the synthetic module only writes the model file here), so the README cannot drift from the API.
 */
class ReadmeQuickStartTest {

    @Test
    void firstExampleRunsARealModelAndCloseInfersEveryAcceptedFrame(@TempDir Path dir) throws Exception {
        SyntheticModels.TinyMlp mlp = new SyntheticModels.TinyMlp();
        Path modelFile = Files.write(dir.resolve("model.onnx"), mlp.bytes());

        // --- README quick start ---
        // model.onnx: x float32[?, 8] -> y float32[?, 4]
        AtomicReference<float[]> lastOutput = new AtomicReference<>();
        LoadedModel model = Backends.require("onnx").load(ModelSource.of(modelFile), ModelOptions.DEFAULT);

        SessionConfig config = SessionConfig.DEFAULT.toBuilder()
                .name("policy").ingress(IngressPolicy.LATEST_ONLY).maxFps(50).build();

        try (model;
             StreamingInferenceSession<float[], FloatVector> session = StreamingInferenceSession
                     .builder(model, FloatArrayTask.of("x", "y"))
                     .config(config)
                     .listener(result -> {               // on the session's worker: must not block
                         if (result.isSuccess()) {
                             lastOutput.set(result.value().toArray());   // copy: the result is reused
                         }
                     })
                     .build()) {
            SubmitStatus status = session.submit(new float[] {0.3f, 0f, 0.5f, 0f, 0f, 0f, 1f, -0.2f});
            InferenceResult<FloatVector> latest = session.acquireLatest();   // from any thread; null until a result
            if (latest != null) {
                try {
                    System.out.println(latest.value());
                } finally {
                    latest.release();
                }
            }
            SessionStats stats = session.stats();
        }   // close() first infers the frames already queued (closeNow() would drop them)
        // --- end of README code ---

        assertThat(lastOutput.get()).as("try-with-resources let the accepted frame reach the listener").isNotNull();
        float[] want = mlp.y(new float[] {0.3f, 0f, 0.5f, 0f, 0f, 0f, 1f, -0.2f});
        for (int i = 0; i < want.length; i++) {
            assertThat(lastOutput.get()[i]).isCloseTo(want[i], Offset.offset(1e-5f));
        }
    }
}
