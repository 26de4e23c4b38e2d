package io.github.streaminfer.backend.openvino;

import io.github.streaminfer.backend.InferenceBackend;
import io.github.streaminfer.backend.ModelSource;
import io.github.streaminfer.tensor.Tensor;
import io.github.streaminfer.testkit.BackendContractTest;
import io.github.streaminfer.synthetic.SyntheticModels;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The backend contract against a real OpenVINO runtime, found as users find it: the system property
 * {@code streaminfer.openvino.dir} or the environment variable {@code OPENVINO_LIB_DIR}. Where neither names a
 * working OpenVINO, the tests that need a runtime are skipped with the cause, and the availability tests check the
 * refusal.
 */
class RealRuntimeContractTest extends BackendContractTest {
    private static final SyntheticModels.TinyMlp MLP = new SyntheticModels.TinyMlp();
    private static final byte[] BYTES = MLP.bytes();

    @Override
    protected InferenceBackend backend() {
        return new OpenVinoBackend();
    }

    @Override
    protected ModelSource model() {
        return ModelSource.ofBytes("tiny_mlp.onnx", BYTES);
    }

    @Override
    protected void checkOutputs(Tensor[] inputs, Tensor[] outputs) {
        Tensor x = inputs[0];
        int rows = (int) x.dim(0);
        assertThat(outputs[0].shape()).containsExactly(rows, SyntheticModels.TinyMlp.OUT);
        assertThat(outputs[1].shape()).containsExactly(rows);
        float[] row = new float[SyntheticModels.TinyMlp.IN];
        for (int r = 0; r < rows; r++) {
            x.getFloats((long) r * row.length, row, 0, row.length);
            float[] want = MLP.y(row);
            int best = 0;
            for (int k = 0; k < want.length; k++) {
                assertThat(outputs[0].getFloat((long) r * want.length + k)).as("y[%d][%d]", r, k)
                        .isCloseTo(want[k], within(1e-4f));
                if (want[k] > want[best]) {
                    best = k;
                }
            }
            assertThat(outputs[1].getLong(r)).as("cls[%d]", r).isEqualTo(best);
        }
    }
}
