package io.github.streaminfer.backend.tensorrt;

import io.github.streaminfer.backend.InferenceBackend;
import io.github.streaminfer.backend.ModelOptions;
import io.github.streaminfer.backend.ModelSource;
import io.github.streaminfer.synthetic.SyntheticModels;
import io.github.streaminfer.tensor.Tensor;
import io.github.streaminfer.testkit.BackendContractTest;
import io.github.streaminfer.testkit.ClassifierOutputs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;


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
        ClassifierOutputs.check(inputs, outputs, SyntheticModels.TinyMlp.IN, MLP::y, 1e-5f);
    }
}
