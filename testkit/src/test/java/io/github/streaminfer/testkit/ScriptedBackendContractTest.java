package io.github.streaminfer.testkit;

import io.github.streaminfer.backend.InferenceBackend;
import io.github.streaminfer.backend.ModelSource;
import io.github.streaminfer.tensor.Tensor;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class ScriptedBackendContractTest extends BackendContractTest {

    @Override
    protected InferenceBackend backend() {
        return new ScriptedBackend();
    }

    @Override
    protected boolean discoverable() {
        return false;
    }

    @Override
    protected ModelSource model() {
        String text = """
                # y = 2x + 1
                input  x float32 1,8
                output y float32 1,8
                script affine 2.0 1.0
                """;
        return ModelSource.ofBytes("affine.scripted", text.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    protected void checkOutputs(Tensor[] inputs, Tensor[] outputs) {
        for (int i = 0; i < 8; i++) {
            assertThat(outputs[0].getFloat(i)).isEqualTo(2f * inputs[0].getFloat(i) + 1f);
        }
    }
}
