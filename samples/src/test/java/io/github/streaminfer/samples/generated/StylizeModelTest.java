package io.github.streaminfer.samples.generated;

import io.github.streaminfer.backend.Backends;
import io.github.streaminfer.backend.LoadedModel;
import io.github.streaminfer.backend.ModelOptions;
import io.github.streaminfer.backend.ModelSource;
import io.github.streaminfer.session.InferenceResult;
import io.github.streaminfer.session.StreamingInferenceSession;
import io.github.streaminfer.task.FloatArrayTask;
import io.github.streaminfer.task.FloatVector;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The written image-to-image model computes, on ONNX Runtime, what its plain-Java reference computes. */
class StylizeModelTest {

    @Test
    void onnxRuntimeOutputMatchesThePlainJavaConvolutionEverywhere() throws Exception {
        StylizeModel shape = new StylizeModel(16, 9);
        float[] image = new float[3 * 16 * 9];
        Random rnd = new Random(7);
        for (int i = 0; i < image.length; i++) {
            image[i] = rnd.nextFloat();
        }
        try (LoadedModel model = Backends.require("onnx").load(ModelSource.ofBytes("stylize", shape.bytes()),
                ModelOptions.DEFAULT);
             StreamingInferenceSession<float[], FloatVector> session = StreamingInferenceSession
                     .builder(model, FloatArrayTask.firstInputOutput()).build()) {
            session.submit(image);
            InferenceResult<FloatVector> r = null;
            for (int i = 0; i < 4000 && r == null; i++) {
                r = session.pollResult();
                if (r == null) {
                    Thread.sleep(5);
                }
            }
            assertThat(r).isNotNull();
            try {
                assertThat(r.isSuccess()).isTrue();
                float[] out = r.value().toArray();
                assertThat(out).hasSize(image.length);
                int clipped = 0;
                for (int c = 0; c < 3; c++) {
                    for (int y = 0; y < 9; y++) {
                        for (int x = 0; x < 16; x++) {
                            float want = shape.reference(image, c, y, x);
                            assertThat(out[(c * 9 + y) * 16 + x]).as("c %d y %d x %d", c, y, x)
                                    .isCloseTo(want, within(1e-5f));
                            clipped += want == 0f || want == 1f ? 1 : 0;
                        }
                    }
                }
                assertThat(clipped).as("the clip is exercised").isPositive().isLessThan(image.length);
            } finally {
                r.release();
            }
        }
    }
}
