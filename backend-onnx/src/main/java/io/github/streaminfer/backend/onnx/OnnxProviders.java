package io.github.streaminfer.backend.onnx;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.providers.OrtCUDAProviderOptions;
import ai.onnxruntime.providers.OrtTensorRTProviderOptions;
import io.github.streaminfer.backend.ModelOptions;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Session options and execution providers of the ONNX Runtime backend, built from {@link ModelOptions}.
 *
 * <p>Providers: {@link ModelOptions#providers()} is an ordered fallback list of {@code tensorrt}, {@code cuda},
 * {@code openvino} and {@code cpu}; the first one whose session can be created wins, and each failure is logged
 * with ONNX Runtime's own reason. With an empty list the device decides: {@code cpu} → cpu, {@code cuda[:N]} /
 * {@code gpu[:N]} → cuda, {@code tensorrt[:N]} → tensorrt, {@code openvino}, {@code npu} → openvino; there is no
 * silent fallback to the CPU unless {@code cpu} is listed.
 *
 * <p>Backend-specific {@link ModelOptions#properties() properties}:
 * <ul>
 *   <li>{@value #OPTIMIZATION}: {@code all} (default), {@code extended}, {@code basic}, {@code none}</li>
 *   <li>{@value #OPTIMIZED_MODEL_PATH}: where ONNX Runtime saves the optimised graph</li>
 *   <li>{@value #TRT_ENGINE_CACHE}: directory of the TensorRT engine cache (enables it)</li>
 *   <li>{@value #TRT_TIMING_CACHE}: directory of the TensorRT timing cache (enables it)</li>
 *   <li>{@value #TRT_FP16}: {@code true}/{@code false}; defaults to {@code precision == fp16}</li>
 *   <li>{@value #OPENVINO_DEVICE}: OpenVINO device type, e.g. {@code CPU}, {@code GPU}, {@code NPU}; defaults
 *       from the device ({@code npu} → NPU, {@code gpu} → GPU, else CPU)</li>
 *   <li>{@code onnx.tensorrt.option.KEY}, {@code onnx.cuda.option.KEY}: passed to the provider as ONNX Runtime's
 *       own option {@code KEY} (e.g. {@code trt_max_workspace_size}, {@code cudnn_conv_algo_search})</li>
 *   <li>{@code onnx.config.KEY}: a session configuration entry {@code KEY} (e.g.
 *       {@code session.set_denormal_as_zero})</li>
 * </ul>
 *
 * @since 0.1.0
 */
public final class OnnxProviders {
    /** Graph optimisation level. */
    public static final String OPTIMIZATION = "onnx.optimization";
    /** File to save the optimised model to. */
    public static final String OPTIMIZED_MODEL_PATH = "onnx.optimizedModelPath";
    /** TensorRT engine cache directory. */
    public static final String TRT_ENGINE_CACHE = "onnx.tensorrt.engineCache";
    /** TensorRT timing cache directory. */
    public static final String TRT_TIMING_CACHE = "onnx.tensorrt.timingCache";
    /** TensorRT fp16 switch. */
    public static final String TRT_FP16 = "onnx.tensorrt.fp16";
    /** OpenVINO device type. */
    public static final String OPENVINO_DEVICE = "onnx.openvino.device";

    private static final String TRT_OPTION = "onnx.tensorrt.option.";
    private static final String CUDA_OPTION = "onnx.cuda.option.";
    private static final String CONFIG = "onnx.config.";
    private static final List<String> KNOWN = List.of("tensorrt", "cuda", "openvino", "cpu");

    private OnnxProviders() {
    }

    /**
     * {@return the providers to try, in order}
     *
     * @param options the model options
     * @throws IllegalArgumentException for an unknown provider or device
     */
    public static List<String> resolve(ModelOptions options) {
        if (!options.providers().isEmpty()) {
            List<String> out = new ArrayList<>();
            for (String p : options.providers()) {
                if (!KNOWN.contains(p)) {
                    throw new IllegalArgumentException("provider '" + p + "' is not supported by the ONNX backend; "
                            + "allowed: " + KNOWN);
                }
                if (!out.contains(p)) {
                    out.add(p);
                }
            }
            return List.copyOf(out);
        }
        String device = options.device();
        int colon = device.indexOf(':');
        String kind = colon < 0 ? device : device.substring(0, colon);
        return switch (kind) {
            case "cpu" -> List.of("cpu");
            case "cuda", "gpu" -> List.of("cuda");
            case "tensorrt", "trt" -> List.of("tensorrt");
            case "openvino", "npu" -> List.of("openvino");
            default -> throw new IllegalArgumentException("device '" + device + "' is not supported by the ONNX "
                    + "backend; allowed: cpu, cuda[:N], gpu[:N], tensorrt[:N], openvino, npu");
        };
    }

    /**
     * Builds session options for one provider.
     *
     * @param options  the model options
     * @param provider one of {@code tensorrt}, {@code cuda}, {@code openvino}, {@code cpu}
     * @return new session options, owned by the caller
     * @throws OrtException with ONNX Runtime's reason if the provider cannot be added (e.g. missing libraries)
     */
    public static OrtSession.SessionOptions sessionOptions(ModelOptions options, String provider) throws OrtException {
        OrtSession.SessionOptions so = new OrtSession.SessionOptions();
        try {
            so.setIntraOpNumThreads(options.intraOpThreads());
            so.setInterOpNumThreads(options.interOpThreads());
            so.setExecutionMode(options.interOpThreads() > 1
                    ? OrtSession.SessionOptions.ExecutionMode.PARALLEL
                    : OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            so.setOptimizationLevel(optLevel(options.property(OPTIMIZATION).orElse("all")));
            String spin = options.allowSpinning() ? "1" : "0";
            so.addConfigEntry("session.intra_op.allow_spinning", spin);
            so.addConfigEntry("session.inter_op.allow_spinning", spin);
            options.property(OPTIMIZED_MODEL_PATH).ifPresent(p -> setOptimizedPath(so, p));
            for (Map.Entry<String, String> e : options.properties().entrySet()) {
                if (e.getKey().startsWith(CONFIG)) {
                    so.addConfigEntry(e.getKey().substring(CONFIG.length()), e.getValue());
                }
            }
            int device = deviceIndex(options);
            switch (provider) {
                case "cpu" -> {
                    // the CPU provider is always there
                }
                case "cuda" -> so.addCUDA(cudaOptions(options, device));
                case "tensorrt" -> {
                    so.addTensorrt(tensorRtOptions(options, device));
                    // nodes TensorRT cannot run go to CUDA, as ONNX Runtime recommends
                    so.addCUDA(cudaOptions(options, device));
                }
                case "openvino" -> so.addOpenVINO(options.property(OPENVINO_DEVICE).orElse(openVinoDevice(options)));
                default -> throw new IllegalArgumentException("provider '" + provider + "' is not supported; allowed: "
                        + KNOWN);
            }
            return so;
        } catch (OrtException | RuntimeException e) {
            so.close();
            throw e;
        }
    }

    private static void setOptimizedPath(OrtSession.SessionOptions so, String path) {
        try {
            so.setOptimizedModelFilePath(path);
        } catch (OrtException e) {
            throw new IllegalArgumentException(OPTIMIZED_MODEL_PATH + " '" + path + "' rejected: " + e.getMessage(), e);
        }
    }

    private static int deviceIndex(ModelOptions options) {
        return options.device().indexOf(':') < 0 ? 0 : options.deviceIndex();
    }

    private static OrtCUDAProviderOptions cudaOptions(ModelOptions options, int device) throws OrtException {
        OrtCUDAProviderOptions cuda = new OrtCUDAProviderOptions(device);
        for (Map.Entry<String, String> e : options.properties().entrySet()) {
            if (e.getKey().startsWith(CUDA_OPTION)) {
                cuda.add(e.getKey().substring(CUDA_OPTION.length()), e.getValue());
            }
        }
        return cuda;
    }

    /**
     * {@return TensorRT provider options: fp16, engine cache, timing cache and pass-through keys}
     *
     * @param options the model options
     * @param device  GPU index
     * @throws OrtException if the provider options cannot be created (no TensorRT in this build)
     */
    static OrtTensorRTProviderOptions tensorRtOptions(ModelOptions options, int device) throws OrtException {
        OrtTensorRTProviderOptions trt = new OrtTensorRTProviderOptions(device);
        for (Map.Entry<String, String> e : tensorRtSettings(options).entrySet()) {
            trt.add(e.getKey(), e.getValue());
        }
        return trt;
    }

    /**
     * The TensorRT provider settings, in ONNX Runtime's own keys, that {@code options} asks for.
     *
     * @param options the model options
     * @return key to value, in a stable order
     */
    public static Map<String, String> tensorRtSettings(ModelOptions options) {
        Map<String, String> m = new java.util.LinkedHashMap<>();
        boolean fp16 = options.property(TRT_FP16).map(v -> parseBoolean(TRT_FP16, v))
                .orElse(options.precision().equals("fp16"));
        m.put("trt_fp16_enable", fp16 ? "1" : "0");
        if (options.precision().equals("int8")) {
            m.put("trt_int8_enable", "1");
        }
        options.property(TRT_ENGINE_CACHE).ifPresent(dir -> {
            m.put("trt_engine_cache_enable", "1");
            m.put("trt_engine_cache_path", dir);
        });
        options.property(TRT_TIMING_CACHE).ifPresent(dir -> {
            m.put("trt_timing_cache_enable", "1");
            m.put("trt_timing_cache_path", dir);
        });
        for (Map.Entry<String, String> e : options.properties().entrySet()) {
            if (e.getKey().startsWith(TRT_OPTION)) {
                m.put(e.getKey().substring(TRT_OPTION.length()), e.getValue());
            }
        }
        return m;
    }

    private static boolean parseBoolean(String key, String v) {
        String s = v.trim().toLowerCase(Locale.ROOT);
        if (s.equals("true") || s.equals("1")) {
            return true;
        }
        if (s.equals("false") || s.equals("0")) {
            return false;
        }
        throw new IllegalArgumentException(key + " is '" + v + "'; allowed: true, false");
    }

    private static String openVinoDevice(ModelOptions options) {
        String d = options.device();
        if (d.startsWith("npu")) {
            return "NPU";
        }
        if (d.startsWith("gpu")) {
            return "GPU";
        }
        return "CPU";
    }

    static OrtSession.SessionOptions.OptLevel optLevel(String level) {
        return switch (level.trim().toLowerCase(Locale.ROOT)) {
            case "all" -> OrtSession.SessionOptions.OptLevel.ALL_OPT;
            case "extended" -> OrtSession.SessionOptions.OptLevel.EXTENDED_OPT;
            case "basic" -> OrtSession.SessionOptions.OptLevel.BASIC_OPT;
            case "none" -> OrtSession.SessionOptions.OptLevel.NO_OPT;
            default -> throw new IllegalArgumentException(OPTIMIZATION + " is '" + level
                    + "'; allowed: all, extended, basic, none");
        };
    }
}
