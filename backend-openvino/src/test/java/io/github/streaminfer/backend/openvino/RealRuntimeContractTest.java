package io.github.streaminfer.backend.openvino;

import io.github.streaminfer.backend.InferenceBackend;
import io.github.streaminfer.backend.ModelSource;
import io.github.streaminfer.synthetic.SyntheticModels;
import io.github.streaminfer.tensor.Tensor;
import io.github.streaminfer.testkit.BackendContractTest;
import io.github.streaminfer.testkit.ClassifierOutputs;


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
        ClassifierOutputs.check(inputs, outputs, SyntheticModels.TinyMlp.IN, MLP::y, 1e-4f);
    }
}
