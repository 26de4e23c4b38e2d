package io.github.streaminfer.backend.tensorrt;

import io.github.streaminfer.backend.Backends;
import io.github.streaminfer.backend.LoadedModel;
import io.github.streaminfer.backend.ModelOptions;
import io.github.streaminfer.backend.ModelSource;
import io.github.streaminfer.backend.Tensors;
import io.github.streaminfer.tensor.Tensor;
import io.github.streaminfer.tensor.TensorSpec;
import io.github.streaminfer.testkit.models.RealModel;
import org.HdrHistogram.Histogram;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Random;

/**
 * Side-by-side latency of one model on one backend configuration, for {@code bench/gpu/run-tensorrt.sh}: loads the
 * model, warms it up, times single runs (batch 1, the streaming case) and prints one table row. For TensorRT it also
 * runs ONNX Runtime on the CPU on the same inputs and prints the largest absolute difference of the float outputs, so
 * every figure comes with a check that the engine computes the model.
 *
 * <p>Not a unit test and not run by the build: {@code java ... BackendComparison CONFIG MODEL [ITERATIONS]} with
 * CONFIG one of {@code tensorrt-fp32}, {@code tensorrt-fp16}, {@code tensorrt-fp16-graph}, {@code onnx-cpu},
 * {@code onnx-cuda}, {@code onnx-tensorrt} and MODEL one of {@code silero}, {@code ppocr-cls}. One configuration per
 * JVM, so the CUDA libraries of ONNX Runtime and of the TensorRT preset never share a process.
 */
public final class BackendComparison {
    private BackendComparison() {
    }

    /**
     * Runs one configuration and prints its row.
     *
     * @param args configuration, model, optional iteration count (default 2000)
     */
    public static void main(String[] args) {
        if (args.length < 2) {
            System.err.println("usage: BackendComparison CONFIG MODEL [ITERATIONS]");
            System.exit(2);
        }
        String config = args[0];
        String modelName = args[1];
        int iterations = args.length > 2 ? Integer.parseInt(args[2]) : 2000;
        Path file = switch (modelName) {
            case "silero" -> RealModel.SILERO_VAD_V5.path();
            case "ppocr-cls" -> RealModel.PPOCR_CLS.path();
            default -> throw new IllegalArgumentException("model is '" + modelName + "'; allowed: silero, ppocr-cls");
        };
        String shapes = modelName.equals("silero") ? "input:1x512,state:2x1x128" : "x:1x3x48x192";
        ModelOptions.Builder b = ModelOptions.builder();
        String backend;
        switch (config) {
            case "tensorrt-fp32", "tensorrt-fp16", "tensorrt-fp16-graph" -> {
                backend = "tensorrt";
                b.device("cuda:0").precision(config.contains("fp16") ? "fp16" : "fp32")
                        .property(TensorRtOptions.SHAPES_MIN, shapes).property(TensorRtOptions.SHAPES_OPT, shapes)
                        .property(TensorRtOptions.SHAPES_MAX, shapes)
                        .property(TensorRtOptions.CUDA_GRAPH, Boolean.toString(config.endsWith("graph")));
            }
            case "onnx-cpu" -> {
                backend = "onnx";
                b.device("cpu");
            }
            case "onnx-cuda" -> {
                backend = "onnx";
                b.device("cuda:0");
            }
            case "onnx-tensorrt" -> {
                backend = "onnx";
                b.device("tensorrt:0").precision("fp16");
            }
            default -> throw new IllegalArgumentException("config is '" + config + "'; allowed: tensorrt-fp32, "
                    + "tensorrt-fp16, tensorrt-fp16-graph, onnx-cpu, onnx-cuda, onnx-tensorrt");
        }
        ModelSource source = ModelSource.of(file);
        long t0 = System.nanoTime();
        try (LoadedModel m = Backends.require(backend).load(source, b.build())) {
            long loadMs = (System.nanoTime() - t0) / 1_000_000;
            Tensor[] in = inputs(m, modelName);
            Tensor[] out = Tensors.allocate(m.outputs(), 1);
            for (int i = 0; i < 200; i++) {
                m.run(in, out);
            }
            Histogram h = new Histogram(3);
            long start = System.nanoTime();
            for (int i = 0; i < iterations; i++) {
                long s = System.nanoTime();
                m.run(in, out);
                h.recordValue((System.nanoTime() - s) / 1000);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            String check = backend.equals("tensorrt") ? maxDiffAgainstOnnxCpu(file, modelName, in, out) : "-";
            String device = m instanceof TensorRtModel t ? t.deviceDescription() : config;
            System.out.printf(Locale.ROOT, "| %s | %s | %s | %d | %.1f | %d | %d | %d | %.0f | %s |%n", modelName,
                    config, device, loadMs, h.getMean(), h.getValueAtPercentile(50), h.getValueAtPercentile(99),
                    h.getMaxValue(), iterations / seconds, check);
        }
    }

    private static Tensor[] inputs(LoadedModel m, String model) {
        Tensor[] in = new Tensor[m.inputs().size()];
        for (int i = 0; i < in.length; i++) {
            TensorSpec s = m.inputs().get(i);
            Random rnd = new Random(s.name().hashCode()); // by name: the same data whatever order a backend lists
            long[] shape = switch (s.name()) {
                case "input" -> new long[]{1, 512};
                case "state" -> new long[]{2, 1, 128};
                default -> s.withDynamicDims(1).shape();
            };
            in[i] = Tensor.allocate(s, shape);
            for (long k = 0; k < in[i].elementCount(); k++) {
                switch (s.dtype()) {
                    case FLOAT32 -> in[i].putFloat(k, model.equals("silero") ? (rnd.nextFloat() - 0.5f) * 0.2f
                            : rnd.nextFloat() * 2 - 1);
                    case INT64 -> in[i].putLong(k, 16000);
                    default -> throw new IllegalStateException("input " + s + " not prepared");
                }
            }
        }
        return in;
    }

    private static String maxDiffAgainstOnnxCpu(Path file, String model, Tensor[] in, Tensor[] trtOut) {
        try (LoadedModel ref = Backends.require("onnx").load(ModelSource.of(file), ModelOptions.DEFAULT)) {
            Tensor[] refIn = inputs(ref, model);
            Tensor[] refOut = Tensors.allocate(ref.outputs(), 1);
            ref.run(refIn, refOut);
            double max = 0;
            for (int j = 0; j < refOut.length; j++) {
                int k = io.github.streaminfer.backend.Tensors.indexOf(ref.outputs(), trtOut[j].name());
                Tensor r = refOut[k < 0 ? j : k];
                if (r.dtype() != io.github.streaminfer.tensor.DType.FLOAT32 || r.elementCount() != trtOut[j].elementCount()) {
                    continue;
                }
                for (long e = 0; e < r.elementCount(); e++) {
                    max = Math.max(max, Math.abs(r.getFloat(e) - trtOut[j].getFloat(e)));
                }
            }
            return String.format(Locale.ROOT, "max |trt - ort cpu| = %.2e", max);
        }
    }
}
