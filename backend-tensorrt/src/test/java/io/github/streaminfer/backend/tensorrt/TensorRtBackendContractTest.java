package io.github.streaminfer.backend.tensorrt;

import io.github.streaminfer.backend.InferenceBackend;
import io.github.streaminfer.backend.ModelOptions;
import io.github.streaminfer.backend.ModelSource;
import io.github.streaminfer.tensor.Tensor;
import io.github.streaminfer.testkit.BackendContractTest;
import io.github.streaminfer.synthetic.SyntheticModels;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The backend contract on the tiny MLP, built from ONNX into an fp32 engine (TF32 off) in a fresh engine cache.
 * Where TensorRT cannot run, the tests that need it are skipped with the cause and the availability tests run.
 */
class TensorRtBackendContractTest extends BackendContractTest {
    private static final SyntheticModels.TinyMlp MLP = new SyntheticModels.TinyMlp();
    private static final byte[] BYTES = MLP.bytes();
    private static final Path CACHE;

    static {
        try {
            CACHE = Files.createTempDirectory("streaminfer-trt-contract");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    protected InferenceBackend backend() {
        return new TensorRtBackend();
    }

    @Override
    protected ModelSource model() {
        return ModelSource.ofBytes("tiny_mlp.onnx", BYTES);
    }

    @Override
    protected ModelOptions options() {
        return ModelOptions.builder().device("cuda:0")
                .property(TensorRtOptions.CACHE_DIR, CACHE.toString())
                .property(TensorRtOptions.SHAPES_MIN, "x:1x8")
                .property(TensorRtOptions.SHAPES_OPT, "x:1x8")
                .property(TensorRtOptions.SHAPES_MAX, "x:16x8")
                .build();
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
                        .isCloseTo(want[k], within(1e-5f));
                if (want[k] > want[best]) {
                    best = k;
                }
            }
            assertThat(outputs[1].getLong(r)).as("cls[%d]", r).isEqualTo(best);
        }
    }
}
