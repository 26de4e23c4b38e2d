package io.github.streaminfer.backend.openvino;

import io.github.streaminfer.backend.LoadedModel;
import io.github.streaminfer.backend.ModelOptions;
import io.github.streaminfer.backend.ModelSource;
import io.github.streaminfer.backend.Tensors;
import io.github.streaminfer.exceptions.InferenceException;
import io.github.streaminfer.exceptions.ModelLoadException;
import io.github.streaminfer.tensor.DType;
import io.github.streaminfer.tensor.Tensor;
import io.github.streaminfer.tensor.TensorSpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The binding against the stand-in libopenvino_c: what reaches OpenVINO (paths, device, properties, host pointers),
 * who frees what, and how statuses become exceptions carrying OpenVINO's error text.
 */
class StandInBindingTest {
    @TempDir
    Path dir;
    private final OpenVinoBackend backend = new OpenVinoBackend(FakeOpenVino.dir());

    @BeforeEach
    void resetStandIn() {
        FakeOpenVino.reset();
    }

    @AfterEach
    void noFreeWasDoubledOrMismatched() {
        assertThat(FakeOpenVino.badFrees()).as("double or mismatched frees").isZero();
    }

    private Path model(String name, String... lines) throws IOException {
        return FakeOpenVino.writeModel(dir.resolve(name), lines);
    }

    @Test
    void defaultsCompileForCpuWithTheLatencyHintAndOneThread() throws IOException {
        try (LoadedModel m = backend.load(ModelSource.of(model("m.onnx", FakeOpenVino.DYNAMIC_MODEL)),
                ModelOptions.DEFAULT)) {
            assertThat(FakeOpenVino.lastDevice()).isEqualTo("CPU");
            assertThat(FakeOpenVino.lastProperties()).isEqualTo("PERFORMANCE_HINT=LATENCY;INFERENCE_NUM_THREADS=1");
            assertThat(((OpenVinoModel) m).device()).isEqualTo("CPU");
        }
    }

    @Test
    void optionsReachCompileAsOpenVinoProperties() throws IOException {
        ModelOptions options = ModelOptions.builder().device("auto:gpu,cpu").precision("fp16")
                .property(OpenVinoOptions.PERFORMANCE_HINT, "throughput").property(OpenVinoOptions.NUM_STREAMS, "2")
                .property(OpenVinoOptions.CACHE_DIR, "/tmp/ov-cache").build();
        try (LoadedModel m = backend.load(ModelSource.of(model("m.onnx", FakeOpenVino.DYNAMIC_MODEL)), options)) {
            assertThat(FakeOpenVino.lastDevice()).isEqualTo("AUTO:GPU,CPU");
            assertThat(FakeOpenVino.lastProperties()).isEqualTo(
                    "PERFORMANCE_HINT=THROUGHPUT;NUM_STREAMS=2;INFERENCE_PRECISION_HINT=f16;CACHE_DIR=/tmp/ov-cache");
        }
    }

    @Test
    void irModelIsReadWithTheWeightsFileBesideIt() throws IOException {
        Path xml = model("detector.xml", FakeOpenVino.DYNAMIC_MODEL);
        Path bin = Files.write(dir.resolve("detector.bin"), new byte[8]);
        try (LoadedModel m = backend.load(ModelSource.of(xml), ModelOptions.DEFAULT)) {
            assertThat(FakeOpenVino.lastModelPath()).isEqualTo(xml.toString());
            assertThat(FakeOpenVino.lastBinPath()).isEqualTo(bin.toString());
        }
        Path onnx = model("detector.onnx", FakeOpenVino.DYNAMIC_MODEL);
        try (LoadedModel m = backend.load(ModelSource.of(onnx), ModelOptions.DEFAULT)) {
            assertThat(FakeOpenVino.lastBinPath()).as("no weights file for ONNX").isEqualTo("(null)");
        }
    }

    @Test
    void modelBytesAreReadFromATemporaryFileWithTheirExtension() throws IOException {
        byte[] bytes = Files.readAllBytes(model("m.xml", FakeOpenVino.DYNAMIC_MODEL));
        try (LoadedModel m = backend.load(ModelSource.ofBytes("models/tiny model.xml", bytes), ModelOptions.DEFAULT)) {
            assertThat(Path.of(FakeOpenVino.lastModelPath()).getFileName().toString()).isEqualTo("tiny_model.xml");
            assertThat(m.modelName()).isEqualTo("models/tiny model.xml");
        }
        assertThat(Path.of(FakeOpenVino.lastModelPath())).as("temporary copy deleted").doesNotExist();
    }

    @Test
    void loadingFreesTheSourceModelPortsNamesAndShapesAndKeepsOnlyCoreAndCompiledModel() throws IOException {
        LoadedModel m = backend.load(ModelSource.of(model("m.onnx", FakeOpenVino.DYNAMIC_MODEL)),
                ModelOptions.DEFAULT);
        assertThat(FakeOpenVino.allocated("port")).isEqualTo(3);
        assertThat(FakeOpenVino.allocated("string")).as("three tensor names").isEqualTo(3);
        for (String kind : new String[] {"model", "port", "string", "partial_shape_dims"}) {
            assertThat(FakeOpenVino.live(kind)).as(kind).isZero();
        }
        assertThat(FakeOpenVino.live("core")).isEqualTo(1);
        assertThat(FakeOpenVino.live("compiled_model")).isEqualTo(1);
        m.close();
        m.close();
        assertThat(FakeOpenVino.liveTotal()).isZero();
    }

    @Test
    void inputsAndStaticOutputsAreTheCallersBuffersWithoutACopy() throws IOException {
        try (LoadedModel m = backend.load(ModelSource.of(model("static.onnx", FakeOpenVino.STATIC_MODEL)),
                ModelOptions.DEFAULT)) {
            Tensor[] in = Tensors.allocate(m.inputs(), 1);
            Tensor[] out = Tensors.allocate(m.outputs(), 1);
            in[0].putFloat(5, 3f);
            m.run(in, out);
            assertThat(FakeOpenVino.lastInputData(0)).isEqualTo(FakeOpenVino.address(in[0].buffer()));
            assertThat(FakeOpenVino.lastOutputData(0)).isEqualTo(FakeOpenVino.address(out[0].buffer()));
            assertThat(FakeOpenVino.lastOutputData(1)).isEqualTo(FakeOpenVino.address(out[1].buffer()));
            assertThat(out[0].getFloat(5)).isEqualTo(7f);
            assertThat(out[0].getFloat(0)).isEqualTo(1f);
            assertThat(out[1].getLong(1)).isEqualTo(1);
        }
        assertThat(FakeOpenVino.liveTotal()).isZero();
    }

    @Test
    void tensorHandlesAreMadeOnceAndReplacedOnlyWhenATensorChanges() throws IOException {
        try (LoadedModel m = backend.load(ModelSource.of(model("static.onnx", FakeOpenVino.STATIC_MODEL)),
                ModelOptions.DEFAULT)) {
            Tensor[] in = Tensors.allocate(m.inputs(), 1);
            Tensor[] out = Tensors.allocate(m.outputs(), 1);
            for (int i = 0; i < 5; i++) {
                m.run(in, out);
            }
            assertThat(FakeOpenVino.inferCount()).isEqualTo(5);
            assertThat(FakeOpenVino.allocated("infer_request")).isEqualTo(1);
            assertThat(FakeOpenVino.allocated("tensor")).as("one input and two outputs, wrapped once").isEqualTo(3);
            in[0] = Tensor.allocate(m.inputs().get(0));
            m.run(in, out);
            assertThat(FakeOpenVino.allocated("tensor")).isEqualTo(4);
            assertThat(FakeOpenVino.live("tensor")).as("the replaced handle was freed").isEqualTo(3);
            assertThat(FakeOpenVino.lastInputData(0)).isEqualTo(FakeOpenVino.address(in[0].buffer()));
        }
        assertThat(FakeOpenVino.liveTotal()).isZero();
    }

    @Test
    void dynamicOutputsAreCopiedAndReshapedToEachRunsShape() throws IOException {
        try (LoadedModel m = backend.load(ModelSource.of(model("m.onnx", FakeOpenVino.DYNAMIC_MODEL)),
                ModelOptions.DEFAULT)) {
            assertThat(m.inputs()).containsExactly(TensorSpec.of("x", DType.FLOAT32, -1, 4));
            Tensor[] in = {Tensor.allocate(m.inputs().get(0), 3, 4)};
            Tensor[] out = Tensors.allocate(m.outputs(), 1);
            in[0].putFloat(11, -0.5f);
            m.run(in, out);
            assertThat(out[0].shape()).containsExactly(3, 4);
            assertThat(out[1].shape()).containsExactly(3);
            assertThat(out[0].getFloat(11)).isEqualTo(0f);
            in[0].reshape(1, 4);
            m.run(in, out);
            assertThat(out[0].shape()).containsExactly(1, 4);
            assertThat(FakeOpenVino.live("tensor")).as("only the input handle; output handles freed each run")
                    .isEqualTo(1);
            assertThat(FakeOpenVino.live("shape_dims")).isZero();
        }
        assertThat(FakeOpenVino.liveTotal()).isZero();
    }

    @Test
    void failedRunBecomesAnInferenceExceptionWithOpenVinosTextAndTheModelStaysUsable() throws IOException {
        try (LoadedModel m = backend.load(ModelSource.of(model("m.onnx", FakeOpenVino.DYNAMIC_MODEL)),
                ModelOptions.DEFAULT)) {
            Tensor[] in = Tensors.allocate(m.inputs(), 1);
            Tensor[] out = Tensors.allocate(m.outputs(), 1);
            FakeOpenVino.failNext("ov_infer_request_infer", -1, "Exception from src/inference: CPU plugin failed");
            assertThatThrownBy(() -> m.run(in, out)).isInstanceOf(InferenceException.class)
                    .hasMessageContaining("OpenVINO model " + m.modelName())
                    .hasMessageContaining("ov_infer_request_infer returned GENERAL_ERROR (-1)")
                    .hasMessageContaining("CPU plugin failed");
            assertThat(FakeOpenVino.live("string")).as("the error text was freed with ov_free").isZero();
            m.run(in, out);
            assertThat(FakeOpenVino.inferCount()).isEqualTo(1);
        }
    }

    @Test
    void failureWithoutTextFallsBackToTheStatusDescription() throws IOException {
        try (LoadedModel m = backend.load(ModelSource.of(model("m.onnx", FakeOpenVino.DYNAMIC_MODEL)),
                ModelOptions.DEFAULT)) {
            FakeOpenVino.failNext("ov_infer_request_infer", -14, "");
            assertThatThrownBy(() -> m.run(Tensors.allocate(m.inputs(), 1), Tensors.allocate(m.outputs(), 1)))
                    .isInstanceOf(InferenceException.class)
                    .hasMessageContaining("INVALID_C_PARAM (-14): invalid c input parameters");
        }
    }

    @Test
    void refusedTensorIsFreedAndReported() throws IOException {
        try (LoadedModel m = backend.load(ModelSource.of(model("m.onnx", FakeOpenVino.DYNAMIC_MODEL)),
                ModelOptions.DEFAULT)) {
            FakeOpenVino.failNext("ov_infer_request_set_input_tensor_by_index", -1, "tensor refused");
            assertThatThrownBy(() -> m.run(Tensors.allocate(m.inputs(), 1), Tensors.allocate(m.outputs(), 1)))
                    .isInstanceOf(InferenceException.class).hasMessageContaining("tensor refused");
            assertThat(FakeOpenVino.live("tensor")).isZero();
        }
        assertThat(FakeOpenVino.liveTotal()).isZero();
    }

    @Test
    void failedLoadNamesTheModelAndStepAndFreesEverything() throws IOException {
        Path file = model("m.onnx", FakeOpenVino.DYNAMIC_MODEL);
        FakeOpenVino.failNext("ov_core_read_model", -1, "Unable to read the model: bad layer");
        assertThatThrownBy(() -> backend.load(ModelSource.of(file), ModelOptions.DEFAULT))
                .isInstanceOf(ModelLoadException.class).hasMessageContaining(file.toString())
                .hasMessageContaining("reading the model failed").hasMessageContaining("bad layer");
        assertThatThrownBy(() -> backend.load(ModelSource.of(file), ModelOptions.builder().device("gpu:1").build()))
                .isInstanceOf(ModelLoadException.class).hasMessageContaining("compiling the model for GPU.1 failed")
                .hasMessageContaining("Device with \"GPU.1\" name is not registered");
        assertThatThrownBy(() -> backend.load(ModelSource.of(file), ModelOptions.builder()
                .property(OpenVinoOptions.PROPERTY_PREFIX + "NO_SUCH_KEY", "1").build()))
                .isInstanceOf(ModelLoadException.class).hasMessageContaining("Unsupported property NO_SUCH_KEY");
        assertThat(FakeOpenVino.liveTotal()).isZero();
    }

    @Test
    void missingModelFileIsRefusedBeforeOpenVinoIsCalled() {
        Path missing = dir.resolve("missing.xml");
        assertThatThrownBy(() -> backend.load(ModelSource.of(missing), ModelOptions.DEFAULT))
                .isInstanceOf(ModelLoadException.class).hasMessageContaining(missing + ": no such file");
        assertThat(FakeOpenVino.allocated("core")).isZero();
    }

    @Test
    void tensorsThatDoNotMatchTheModelAreRefused() throws IOException {
        try (LoadedModel m = backend.load(ModelSource.of(model("static.onnx", FakeOpenVino.STATIC_MODEL)),
                ModelOptions.DEFAULT)) {
            Tensor[] wrongShape = {Tensor.allocate(TensorSpec.of("x", DType.FLOAT32, 3, 4))};
            assertThatThrownBy(() -> m.run(wrongShape, Tensors.allocate(m.outputs(), 1)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("input 0 must be x:float32[2, 4]");
            assertThatThrownBy(() -> m.run(Tensors.allocate(m.inputs(), 1), new Tensor[1]))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("has 1 inputs and 2 outputs");
        }
    }

    @Test
    void eachThreadGetsItsOwnInferRequestAndCloseFreesThemAll() throws Exception {
        LoadedModel m = backend.load(ModelSource.of(model("m.onnx", FakeOpenVino.DYNAMIC_MODEL)),
                ModelOptions.DEFAULT);
        Runnable job = () -> m.run(Tensors.allocate(m.inputs(), 1), Tensors.allocate(m.outputs(), 1));
        Thread a = new Thread(job);
        Thread b = new Thread(job);
        a.start();
        b.start();
        a.join();
        b.join();
        assertThat(FakeOpenVino.live("infer_request")).isEqualTo(2);
        m.close();
        assertThat(FakeOpenVino.liveTotal()).isZero();
        assertThatThrownBy(job::run).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    }
}
