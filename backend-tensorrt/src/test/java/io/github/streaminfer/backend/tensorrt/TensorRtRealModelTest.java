package io.github.streaminfer.backend.tensorrt;

import io.github.streaminfer.backend.Backends;
import io.github.streaminfer.backend.LoadedModel;
import io.github.streaminfer.backend.ModelOptions;
import io.github.streaminfer.backend.ModelSource;
import io.github.streaminfer.backend.Tensors;
import io.github.streaminfer.tensor.Tensor;
import io.github.streaminfer.testkit.models.RealModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The PP-OCR classifier built into an engine, against ONNX Runtime on the CPU: same inputs, same outputs within
 * fp32 rounding; a second load takes the engine from the cache. Needs a GPU; skipped with the cause elsewhere.
 */
class TensorRtRealModelTest {
    private final TensorRtBackend backend = new TensorRtBackend();

    @Test
    void ppocrClassifierMatchesOnnxRuntimeAndTheSecondLoadHitsTheEngineCache(@TempDir Path cache) throws Exception {
        assumeTrue(backend.isAvailable(), () -> "TensorRT unavailable here: " + backend.unavailabilityCause());
        Path file = RealModel.PPOCR_CLS.path();
        ModelOptions options = ModelOptions.builder().device("cuda:0")
                .property(TensorRtOptions.CACHE_DIR, cache.toString())
                .property(TensorRtOptions.SHAPES_MIN, "x:1x3x48x192")
                .property(TensorRtOptions.SHAPES_OPT, "x:1x3x48x192")
                .property(TensorRtOptions.SHAPES_MAX, "x:4x3x48x192").build();
        try (LoadedModel trt = backend.load(ModelSource.of(file), options);
             LoadedModel ort = Backends.require("onnx").load(ModelSource.of(file), ModelOptions.DEFAULT)) {
            for (int batch : new int[]{1, 3, 1}) {
                Tensor[] in = Tensors.allocate(trt.inputs(), batch);
                Random rnd = new Random(batch);
                for (long i = 0; i < in[0].elementCount(); i++) {
                    in[0].putFloat(i, rnd.nextFloat() * 2 - 1);
                }
                Tensor[] a = Tensors.allocate(trt.outputs(), 1);
                Tensor[] b = Tensors.allocate(ort.outputs(), 1);
                trt.run(in, a);
                ort.run(in, b);
                assertThat(a[0].shape()).containsExactly(b[0].shape());
                for (long i = 0; i < b[0].elementCount(); i++) {
                    assertThat(a[0].getFloat(i)).as("batch %d element %d", batch, i).isCloseTo(b[0].getFloat(i),
                            within(1e-3f));
                }
            }
        }
        try (var files = Files.list(cache)) {
            assertThat(files.filter(f -> f.toString().endsWith(".engine")).count()).isEqualTo(1);
        }
        long t0 = System.nanoTime();
        try (LoadedModel again = backend.load(ModelSource.of(file), options)) {
            assertThat(again.inputs()).hasSize(1);
        }
        System.out.println("second load (engine cache) took " + (System.nanoTime() - t0) / 1_000_000 + " ms");
        try (var files = Files.list(cache)) {
            assertThat(files.filter(f -> f.toString().endsWith(".engine")).count()).as("no second engine").isEqualTo(1);
        }
    }

    @Test
    void cudaGraphRunsGiveTheSameOutputsAsPlainRuns(@TempDir Path cache) {
        assumeTrue(backend.isAvailable(), () -> "TensorRT unavailable here: " + backend.unavailabilityCause());
        Path file = RealModel.PPOCR_CLS.path();
        ModelOptions.Builder b = ModelOptions.builder().device("cuda:0")
                .property(TensorRtOptions.CACHE_DIR, cache.toString());
        try (LoadedModel plain = backend.load(ModelSource.of(file), b.build());
             LoadedModel graph = backend.load(ModelSource.of(file), b.property(TensorRtOptions.CUDA_GRAPH, "true").build())) {
            Tensor[] in = Tensors.allocate(plain.inputs(), 1);
            Tensor[] x = Tensors.allocate(plain.outputs(), 1);
            Tensor[] y = Tensors.allocate(graph.outputs(), 1);
            for (int seed = 0; seed < 5; seed++) {
                Random rnd = new Random(seed);
                for (long i = 0; i < in[0].elementCount(); i++) {
                    in[0].putFloat(i, rnd.nextFloat());
                }
                plain.run(in, x);
                graph.run(in, y);
                for (long i = 0; i < x[0].elementCount(); i++) {
                    assertThat(y[0].getFloat(i)).as("seed %d element %d", seed, i).isEqualTo(x[0].getFloat(i));
                }
            }
        }
    }
}
