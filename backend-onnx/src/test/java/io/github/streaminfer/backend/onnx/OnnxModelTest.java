package io.github.streaminfer.backend.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import io.github.streaminfer.backend.Backends;
import io.github.streaminfer.backend.LoadedModel;
import io.github.streaminfer.backend.ModelOptions;
import io.github.streaminfer.backend.ModelSource;
import io.github.streaminfer.backend.Tensors;
import io.github.streaminfer.exceptions.BackendUnavailableException;
import io.github.streaminfer.exceptions.ModelLoadException;
import io.github.streaminfer.synthetic.OnnxGraphBuilder;
import io.github.streaminfer.synthetic.SyntheticModels;
import io.github.streaminfer.tensor.DType;
import io.github.streaminfer.tensor.Tensor;
import io.github.streaminfer.tensor.TensorSpec;
import io.github.streaminfer.testkit.models.RealModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class OnnxModelTest {
    private static final OnnxBackend BACKEND = new OnnxBackend();

    static void fill(Tensor[] tensors, long seed) {
        Random r = new Random(seed);
        for (Tensor t : tensors) {
            for (long i = 0; i < t.elementCount(); i++) {
                switch (t.dtype()) {
                    case FLOAT32 -> t.putFloat(i, r.nextFloat() * 2 - 1);
                    case INT64 -> t.putLong(i, 16000);
                    default -> throw new AssertionError(t);
                }
            }
        }
    }

    /** Runs ONNX Runtime by hand on the same inputs and returns each output's raw bytes. */
    static byte[][] byHand(Path model, Tensor[] in, List<TensorSpec> specs) throws Exception {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        Map<String, OnnxTensor> feeds = new HashMap<>();
        try (OrtSession.SessionOptions so = OnnxProviders.sessionOptions(ModelOptions.DEFAULT, "cpu");
             OrtSession s = env.createSession(model.toString(), so)) {
            for (Tensor t : in) {
                ByteBuffer copy = ByteBuffer.allocate((int) t.byteSize()).order(java.nio.ByteOrder.nativeOrder());
                copy.put(t.buffer()).flip();
                feeds.put(t.name(), t.dtype() == DType.FLOAT32
                        ? OnnxTensor.createTensor(env, copy.asFloatBuffer(), t.shape())
                        : OnnxTensor.createTensor(env, copy.asLongBuffer(), t.shape()));
            }
            try (OrtSession.Result r = s.run(feeds)) {
                byte[][] out = new byte[specs.size()][];
                for (int j = 0; j < specs.size(); j++) {
                    OnnxTensor o = (OnnxTensor) r.get(specs.get(j).name()).orElseThrow();
                    ByteBuffer b = o.getByteBuffer();
                    out[j] = new byte[b.remaining()];
                    b.get(out[j]);
                }
                return out;
            }
        } finally {
            feeds.values().forEach(OnnxTensor::close);
        }
    }

    static byte[] bytes(Tensor t) {
        ByteBuffer b = t.buffer();
        byte[] a = new byte[b.remaining()];
        b.get(a);
        return a;
    }

    @Test
    void realModelOutputsMatchOnnxRuntimeByHandBitForBit() throws Exception {
        for (RealModel rm : List.of(RealModel.SILERO_VAD_V5, RealModel.PPOCR_CLS, RealModel.PPOCR_DET)) {
            try (LoadedModel m = BACKEND.load(ModelSource.of(rm.path()), ModelOptions.DEFAULT)) {
                Tensor[] in = new Tensor[m.inputs().size()];
                for (int i = 0; i < in.length; i++) {
                    TensorSpec s = m.inputs().get(i);
                    long[] shape = switch (s.name()) {
                        case "input" -> new long[] {1, 512};
                        case "x" -> rm == RealModel.PPOCR_DET ? new long[] {1, 3, 64, 96} : new long[] {1, 3, 48, 192};
                        default -> s.withDynamicDims(1).shape();
                    };
                    in[i] = Tensor.allocate(s, shape);
                }
                Tensor[] out = Tensors.allocate(m.outputs(), 1);
                for (long seed = 1; seed <= 3; seed++) { // the 2nd and 3rd runs use pinned (learned) outputs
                    fill(in, seed);
                    m.run(in, out);
                    byte[][] want = byHand(rm.path(), in, m.outputs());
                    for (int j = 0; j < out.length; j++) {
                        assertThat(bytes(out[j])).as("%s output %s seed %d", rm, out[j].name(), seed)
                                .isEqualTo(want[j]);
                    }
                }
            }
        }
    }

    @Test
    void onnxRuntimeWrapsTheTensorBufferWithoutCopying() throws Exception {
        OrtEnvironment env = OnnxBackend.environment();
        Tensor t = Tensor.allocate(TensorSpec.of("x", DType.FLOAT32, 2, 3));
        try (OnnxTensor o = OnnxTensor.createTensor(env, t.floats(), t.shape())) {
            // a copy at creation would not see writes made afterwards; ONNX Runtime reads the tensor's own memory
            assertThat(o.getBufferRef()).hasValueSatisfying(b -> assertThat(b.isDirect()).isTrue());
            t.putFloat(4, 42f);
            assertThat(o.getFloatBuffer().get(4)).isEqualTo(42f);
            t.putFloat(4, -1f);
            assertThat(o.getFloatBuffer().get(4)).isEqualTo(-1f);
        }
        Tensor l = Tensor.allocate(TensorSpec.of("l", DType.INT64, 4));
        try (OnnxTensor o = OnnxTensor.createTensor(env, l.longs(), l.shape())) {
            l.putLong(2, 7);
            assertThat(o.getLongBuffer().get(2)).isEqualTo(7);
        }
    }

    @Test
    void wrappersAreCachedPerTensorSetAndRebuiltOnShapeChange() {
        SyntheticModels.TinyMlp mlp = new SyntheticModels.TinyMlp();
        try (OnnxModel m = (OnnxModel) BACKEND.load(ModelSource.ofBytes("mlp", mlp.bytes()), ModelOptions.DEFAULT)) {
            Tensor[] in = Tensors.allocate(m.inputs(), 1);
            Tensor[] out = Tensors.allocate(m.outputs(), 1);
            for (int k = 0; k < 10; k++) {
                fill(in, k);
                m.run(in, out);
            }
            assertThat(m.bindingCount()).isEqualTo(1);
            // batch 3 on the same tensors: inputs rewrapped, dynamic outputs unpinned, copied and reshaped
            in[0].reshape(3, 8);
            for (int k = 0; k < 3; k++) {
                fill(in, 100 + k);
                m.run(in, out);
                assertThat(out[0].shape()).containsExactly(3, 4);
                assertThat(out[1].shape()).containsExactly(3);
                float[] row = new float[8];
                for (int r = 0; r < 3; r++) {
                    in[0].getFloats(r * 8L, row, 0, 8);
                    float[] want = mlp.y(row);
                    for (int c = 0; c < 4; c++) {
                        assertThat(out[0].getFloat(r * 4L + c)).isCloseTo(want[c], within(1e-5f));
                    }
                }
            }
            in[0].reshape(1, 8);
            fill(in, 7);
            m.run(in, out);
            assertThat(out[0].shape()).containsExactly(1, 4);
            // another caller's tensors get their own wrappers
            Tensor[] in2 = Tensors.allocate(m.inputs(), 1);
            Tensor[] out2 = Tensors.allocate(m.outputs(), 1);
            m.run(in2, out2);
            assertThat(m.bindingCount()).isEqualTo(2);
        }
    }

    @Test
    void aPoolThreadCyclingThroughManySessionsKeepsEachSessionsWrappers() {
        SyntheticModels.TinyMlp mlp = new SyntheticModels.TinyMlp();
        try (OnnxModel m = (OnnxModel) BACKEND.load(ModelSource.ofBytes("mlp", mlp.bytes()), ModelOptions.DEFAULT)) {
            int sessions = 12; // more tensor sets than a small per-thread table would hold
            Tensor[][] ins = new Tensor[sessions][];
            Tensor[][] outs = new Tensor[sessions][];
            for (int s = 0; s < sessions; s++) {
                ins[s] = Tensors.allocate(m.inputs(), 1);
                outs[s] = Tensors.allocate(m.outputs(), 1);
            }
            float[] row = new float[8];
            for (int round = 0; round < 5; round++) {
                for (int s = 0; s < sessions; s++) {
                    fill(ins[s], round * sessions + s);
                    m.run(ins[s], outs[s]);
                    ins[s][0].getFloats(0, row, 0, 8);
                    assertThat(outs[s][0].getFloat(0)).isCloseTo(mlp.y(row)[0], within(1e-5f));
                }
            }
            assertThat(m.bindingCount()).as("one wrapper set per session, none evicted").isEqualTo(sessions);

            // sessions that close free their tensors; the next new tensor set sweeps their wrappers away
            for (int s = 0; s < 5; s++) {
                for (Tensor t : ins[s]) {
                    t.free();
                }
                for (Tensor t : outs[s]) {
                    t.free();
                }
            }
            Tensor[] in = Tensors.allocate(m.inputs(), 1);
            Tensor[] out = Tensors.allocate(m.outputs(), 1);
            m.run(in, out);
            assertThat(m.bindingCount()).isEqualTo(sessions - 5 + 1);
        }
    }

    @Test
    void dataDependentOutputShapesFallBackToCopying() {
        byte[] nonZero = new OnnxGraphBuilder("nonzero")
                .input("x", DType.FLOAT32, 6)
                .node("NonZero", List.of("x"), List.of("idx"))
                .output("idx", DType.INT64, 1, -1)
                .toBytes();
        try (LoadedModel m = BACKEND.load(ModelSource.ofBytes("nonzero", nonZero), ModelOptions.DEFAULT)) {
            Tensor[] in = Tensors.allocate(m.inputs(), 1);
            Tensor[] out = Tensors.allocate(m.outputs(), 1);
            float[][] cases = {{0, 1, 0, 2, 0, 0}, {0, 1, 0, 2, 0, 0}, {3, 1, 0, 2, 0, 5}, {0, 0, 0, 0, 0, 9}};
            long[][] want = {{1, 3}, {1, 3}, {0, 1, 3, 5}, {5}};
            for (int k = 0; k < cases.length; k++) {
                in[0].putFloats(0, cases[k], 0, 6);
                m.run(in, out);
                long[] got = new long[(int) out[0].elementCount()];
                for (int i = 0; i < got.length; i++) {
                    got[i] = out[0].getLong(i);
                }
                assertThat(got).as("case %d", k).containsExactly(want[k]);
            }
        }
    }

    @Test
    void steadyStateAllocatesNoMoreThanOnnxRuntimeByHand() throws Exception {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long self = Thread.currentThread().getId();
        int runs = 1000;
        try (LoadedModel m = BACKEND.load(ModelSource.of(RealModel.PPOCR_CLS.path()), ModelOptions.DEFAULT)) {
            // ours, through the public API
            Tensor[] in = new Tensor[] {Tensor.allocate(m.inputs().get(0), 1, 3, 48, 192)};
            Tensor[] out = Tensors.allocate(m.outputs(), 1);
            fill(in, 1);
            for (int k = 0; k < 100; k++) {
                m.run(in, out);
            }
            long a0 = mx.getThreadAllocatedBytes(self);
            for (int k = 0; k < runs; k++) {
                m.run(in, out);
            }
            long ours = (mx.getThreadAllocatedBytes(self) - a0) / runs;

            // by hand, the fastest way: cached input tensor, pinned output, maps built once
            OrtEnvironment env = OnnxBackend.environment();
            try (OrtSession.SessionOptions so = OnnxProviders.sessionOptions(ModelOptions.DEFAULT, "cpu");
                 OrtSession s = env.createSession(RealModel.PPOCR_CLS.path().toString(), so)) {
                FloatBuffer x = ByteBuffer.allocateDirect(3 * 48 * 192 * 4).order(java.nio.ByteOrder.nativeOrder())
                        .asFloatBuffer();
                FloatBuffer y = ByteBuffer.allocateDirect(2 * 4).order(java.nio.ByteOrder.nativeOrder()).asFloatBuffer();
                try (OnnxTensor xt = OnnxTensor.createTensor(env, x, new long[] {1, 3, 48, 192});
                     OnnxTensor yt = OnnxTensor.createTensor(env, y, new long[] {1, 2})) {
                    Map<String, OnnxTensor> feeds = Map.of("x", xt);
                    Map<String, OnnxTensor> pinned = Map.of(m.outputs().get(0).name(), yt);
                    for (int k = 0; k < 100; k++) {
                        s.run(feeds, pinned).close();
                    }
                    long b0 = mx.getThreadAllocatedBytes(self);
                    for (int k = 0; k < runs; k++) {
                        s.run(feeds, pinned).close();
                    }
                    long raw = (mx.getThreadAllocatedBytes(self) - b0) / runs;
                    System.out.println("allocation per run: ours " + ours + " B, ONNX Runtime by hand " + raw + " B");
                    assertThat(ours).isLessThanOrEqualTo(raw + 256);
                }
            }
        }
    }

    @Test
    void runChecksTheTensorArrays() {
        try (LoadedModel m = BACKEND.load(ModelSource.ofBytes("mlp", new SyntheticModels.TinyMlp().bytes()),
                ModelOptions.DEFAULT)) {
            Tensor[] out = Tensors.allocate(m.outputs(), 1);
            assertThatThrownBy(() -> m.run(new Tensor[0], out)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("1 inputs and 2 outputs");
            Tensor[] wrong = {Tensor.allocate(TensorSpec.of("x", DType.INT64, 1, 8))};
            assertThatThrownBy(() -> m.run(wrong, out)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("x:float32[?, 8]");
        }
    }

    // ------------------------------------------------------------------------------------ bad model files

    @Test
    void truncatedModelFailsNamingTheFileAndTheProblem(@TempDir Path dir) throws Exception {
        byte[] all = Files.readAllBytes(RealModel.SILERO_VAD_V5.path());
        Path truncated = Files.write(dir.resolve("truncated.onnx"), Arrays.copyOf(all, all.length / 3));
        assertThatThrownBy(() -> BACKEND.load(ModelSource.of(truncated), ModelOptions.DEFAULT))
                .isInstanceOf(ModelLoadException.class).hasMessageContaining(truncated.toString())
                .hasMessageContaining("rotobuf"); // ONNX Runtime: "Protobuf parsing failed"
    }

    @Test
    void notAnOnnxFileFailsNamingIt(@TempDir Path dir) throws Exception {
        Path text = Files.writeString(dir.resolve("notes.onnx"), "this is a text file, not a model\n");
        assertThatThrownBy(() -> BACKEND.load(ModelSource.of(text), ModelOptions.DEFAULT))
                .isInstanceOf(ModelLoadException.class).hasMessageContaining("notes.onnx");
        assertThatThrownBy(() -> BACKEND.load(ModelSource.of(dir.resolve("missing.onnx")), ModelOptions.DEFAULT))
                .isInstanceOf(ModelLoadException.class).hasMessageContaining("missing.onnx")
                .hasMessageContaining("no such file");
        assertThatThrownBy(() -> BACKEND.load(ModelSource.ofBytes("empty.onnx", new byte[0]), ModelOptions.DEFAULT))
                .isInstanceOf(ModelLoadException.class).hasMessageContaining("empty.onnx").hasMessageContaining("empty");
        assertThatThrownBy(() -> BACKEND.load(ModelSource.ofResource(getClass().getClassLoader(), "no/such.onnx"),
                ModelOptions.DEFAULT)).isInstanceOf(ModelLoadException.class).hasMessageContaining("no/such.onnx");
    }

    @Test
    void loadsFromAClassPathResource() {
        // the service file is a resource of this module; a model resource is read the same way
        byte[] bytes = new SyntheticModels.TinyMlp().bytes();
        ClassLoader loader = new ClassLoader(getClass().getClassLoader()) {
            @Override
            public java.io.InputStream getResourceAsStream(String name) {
                return name.equals("models/mlp.onnx") ? new java.io.ByteArrayInputStream(bytes) : null;
            }
        };
        try (LoadedModel m = BACKEND.load(ModelSource.ofResource(loader, "models/mlp.onnx"), ModelOptions.DEFAULT)) {
            assertThat(m.modelName()).isEqualTo("classpath:models/mlp.onnx");
            assertThat(m.inputs()).containsExactly(TensorSpec.of("x", DType.FLOAT32, -1, 8));
        }
    }

    // ------------------------------------------------------------------------------------ providers

    @Test
    void missingGpuProviderFailsWithOnnxRuntimesReason() {
        ModelSource src = ModelSource.ofBytes("mlp.onnx", new SyntheticModels.TinyMlp().bytes());
        assertThatThrownBy(() -> BACKEND.load(src, ModelOptions.builder().device("cuda:0").build()))
                .isInstanceOf(ModelLoadException.class).hasMessageContaining("mlp.onnx")
                .hasMessageContaining("provider cuda").hasMessageContaining("CUDA");
        assertThatThrownBy(() -> BACKEND.load(src, ModelOptions.builder().providers("tensorrt", "cuda").build()))
                .isInstanceOf(ModelLoadException.class).hasMessageContaining("tensorrt:")
                .hasMessageContaining("cuda:");
    }

    @Test
    void fallbackListEndsOnTheCpu() {
        ModelSource src = ModelSource.ofBytes("mlp.onnx", new SyntheticModels.TinyMlp().bytes());
        try (OnnxModel m = (OnnxModel) BACKEND.load(src, ModelOptions.builder()
                .providers("tensorrt", "cuda", "openvino", "cpu").build())) {
            assertThat(m.provider()).isEqualTo("cpu");
        }
        assertThatThrownBy(() -> BACKEND.load(src, ModelOptions.builder().providers("coreml").build()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("coreml");
    }

    @Test
    void providerSettingsFollowTheOptions() {
        assertThat(OnnxProviders.resolve(ModelOptions.DEFAULT)).containsExactly("cpu");
        assertThat(OnnxProviders.resolve(ModelOptions.builder().device("tensorrt").build())).containsExactly("tensorrt");
        assertThat(OnnxProviders.resolve(ModelOptions.builder().device("gpu:1").build())).containsExactly("cuda");
        assertThat(OnnxProviders.resolve(ModelOptions.builder().device("npu").build())).containsExactly("openvino");
        Map<String, String> trt = OnnxProviders.tensorRtSettings(ModelOptions.builder().precision("fp16")
                .property(OnnxProviders.TRT_ENGINE_CACHE, "/tmp/engines")
                .property(OnnxProviders.TRT_TIMING_CACHE, "/tmp/timing")
                .property("onnx.tensorrt.option.trt_max_workspace_size", "1073741824").build());
        assertThat(trt).containsEntry("trt_fp16_enable", "1").containsEntry("trt_engine_cache_enable", "1")
                .containsEntry("trt_engine_cache_path", "/tmp/engines").containsEntry("trt_timing_cache_enable", "1")
                .containsEntry("trt_timing_cache_path", "/tmp/timing")
                .containsEntry("trt_max_workspace_size", "1073741824");
        assertThat(OnnxProviders.tensorRtSettings(ModelOptions.DEFAULT)).containsEntry("trt_fp16_enable", "0");
        assertThatThrownBy(() -> OnnxProviders.resolve(ModelOptions.builder().device("tpu").build()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("tpu");
        assertThatThrownBy(() -> BACKEND.load(ModelSource.ofBytes("m", new SyntheticModels.TinyMlp().bytes()),
                ModelOptions.builder().property(OnnxProviders.OPTIMIZATION, "max").build()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("onnx.optimization");
    }

    @Test
    void backendIsFoundAndDescribesItself() {
        assertThat(Backends.require("onnx")).isInstanceOf(OnnxBackend.class);
        assertThat(BACKEND.description()).startsWith("ONNX Runtime 1.29").contains("CPU");
        assertThat(BackendUnavailableException.class).isNotNull();
    }

    @Test
    void closeWaitsForRunningCallsAndThenRefusesRuns() throws Exception {
        LoadedModel m = BACKEND.load(ModelSource.of(RealModel.PPOCR_CLS.path()), ModelOptions.DEFAULT);
        Tensor[] in = new Tensor[] {Tensor.allocate(m.inputs().get(0), 1, 3, 48, 192)};
        Tensor[] out = Tensors.allocate(m.outputs(), 1);
        Thread runner = new Thread(() -> {
            try {
                for (int k = 0; k < 1000; k++) {
                    m.run(in, out);
                }
            } catch (IllegalStateException expected) {
                // closed while looping
            }
        });
        runner.start();
        Thread.sleep(20);
        m.close();
        runner.join(10_000);
        assertThat(runner.isAlive()).isFalse();
        assertThatThrownBy(() -> m.run(in, out)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
    }
}
