package io.github.streaminfer.backend.onnx;

import io.github.streaminfer.backend.InferenceBackend;
import io.github.streaminfer.backend.ModelSource;
import io.github.streaminfer.synthetic.SyntheticModels;
import io.github.streaminfer.tensor.Tensor;
import io.github.streaminfer.testkit.BackendContractTest;
import io.github.streaminfer.testkit.ClassifierOutputs;


class OnnxBackendContractTest extends BackendContractTest {
    private static final SyntheticModels.TinyMlp MLP = new SyntheticModels.TinyMlp();
    private static final byte[] BYTES = MLP.bytes();

    @Override
    protected InferenceBackend backend() {
        return new OnnxBackend();
    }

    @Override
    protected ModelSource model() {
        return ModelSource.ofBytes("tiny_mlp.onnx", BYTES);
    }

    @Override
    protected void checkOutputs(Tensor[] inputs, Tensor[] outputs) {
        ClassifierOutputs.check(inputs, outputs, SyntheticModels.TinyMlp.IN, MLP::y, 1e-5f);
    }
}
