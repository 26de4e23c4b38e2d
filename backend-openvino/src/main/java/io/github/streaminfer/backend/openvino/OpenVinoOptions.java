package io.github.streaminfer.backend.openvino;

import io.github.streaminfer.backend.ModelOptions;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * What the OpenVINO backend passes to {@code ov_core_compile_model}, read from {@link ModelOptions}: the device
 * string and the compile properties.
 *
 * <ul>
 *   <li>Device: {@code cpu} → {@code CPU}, {@code gpu} / {@code gpu:N} → {@code GPU} / {@code GPU.N}, {@code npu} →
 *   {@code NPU}, {@code auto} → {@code AUTO}; {@code auto:gpu,cpu}, {@code hetero:…} and {@code multi:…} list
 *   devices in priority order.</li>
 *   <li>{@value #PERFORMANCE_HINT}: {@code LATENCY} (default, as the seed's {@code OPENVINO_PERFORMANCE_MODE}),
 *   {@code THROUGHPUT} or {@code CUMULATIVE_THROUGHPUT} → {@code PERFORMANCE_HINT}.</li>
 *   <li>{@value #NUM_STREAMS}: a positive number, {@code AUTO} or {@code NUMA} → {@code NUM_STREAMS}; unset lets
 *   the performance hint decide.</li>
 *   <li>{@value #INFERENCE_PRECISION}: {@code f32}, {@code f16} or {@code bf16} → {@code INFERENCE_PRECISION_HINT};
 *   when unset, {@link ModelOptions#precision()} {@code fp16} gives {@code f16}, and {@code fp32} / {@code int8}
 *   leave the device's default (int8 comes from a quantized model, not from a hint).</li>
 *   <li>{@link ModelOptions#intraOpThreads()} → {@code INFERENCE_NUM_THREADS}, on the {@code CPU} device only.</li>
 *   <li>{@value #CACHE_DIR}: a directory → {@code CACHE_DIR}, where plugins cache compiled models.</li>
 *   <li>{@value #PROPERTY_PREFIX}{@code KEY}: passed to OpenVINO verbatim as property {@code KEY}.</li>
 * </ul>
 * Other {@code openvino.*} keys are refused; keys of other backends are ignored, so one {@link ModelOptions} can
 * serve several backends. Users set these through {@link ModelOptions.Builder#property(String, String)}; this record
 * is what the backend derives from them.
 *
 * <p><b>Note:</b> immutable and thread-safe.
 *
 * @param device     OpenVINO device string, e.g. {@code CPU}, {@code GPU.1}, {@code AUTO:GPU,CPU}
 * @param properties compile properties in the order they are passed
 * @since 0.1.0
 */
public record OpenVinoOptions(String device, Map<String, String> properties) {
    /** Performance hint key. */
    public static final String PERFORMANCE_HINT = "openvino.performance_hint";
    /** Number-of-streams key. */
    public static final String NUM_STREAMS = "openvino.num_streams";
    /** Inference precision hint key. */
    public static final String INFERENCE_PRECISION = "openvino.inference_precision";
    /** Model cache directory key. */
    public static final String CACHE_DIR = "openvino.cache_dir";
    /** Prefix of properties passed to OpenVINO verbatim. */
    public static final String PROPERTY_PREFIX = "openvino.property.";

    private static final List<String> HINTS = List.of("LATENCY", "THROUGHPUT", "CUMULATIVE_THROUGHPUT");
    private static final List<String> PRECISIONS = List.of("f32", "f16", "bf16");
    private static final String DEVICES = "cpu, gpu, gpu:N, npu, auto, auto:LIST, hetero:LIST, multi:LIST "
            + "(LIST: devices by priority, e.g. gpu,cpu)";

    /**
     * Validates and copies.
     *
     * @param device     see the class description
     * @param properties see the class description
     */
    public OpenVinoOptions {
        Objects.requireNonNull(device, "device");
        properties = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(properties));
    }

    /**
     * Reads the OpenVINO settings from model options.
     *
     * @param options the model options
     * @return the device and compile properties
     * @throws IllegalArgumentException naming the option, its value and what is allowed
     */
    public static OpenVinoOptions from(ModelOptions options) {
        String device = device(options.device());
        Map<String, String> props = new LinkedHashMap<>();
        String hint = options.property(PERFORMANCE_HINT).orElse("LATENCY").trim().toUpperCase(Locale.ROOT);
        if (!HINTS.contains(hint)) {
            throw new IllegalArgumentException(PERFORMANCE_HINT + " is '" + options.property(PERFORMANCE_HINT)
                    .orElseThrow() + "'; allowed: latency, throughput, cumulative_throughput");
        }
        props.put("PERFORMANCE_HINT", hint);
        options.property(NUM_STREAMS).ifPresent(v -> props.put("NUM_STREAMS", streams(v)));
        String precision = options.property(INFERENCE_PRECISION).map(OpenVinoOptions::precision)
                .orElse(options.precision().equals("fp16") ? "f16" : null);
        if (precision != null) {
            props.put("INFERENCE_PRECISION_HINT", precision);
        }
        if (device.equals("CPU")) {
            props.put("INFERENCE_NUM_THREADS", Integer.toString(options.intraOpThreads()));
        }
        options.property(CACHE_DIR).ifPresent(v -> {
            if (v.isBlank()) {
                throw new IllegalArgumentException(CACHE_DIR + " is blank; allowed: a directory path");
            }
            props.put("CACHE_DIR", v);
        });
        for (Map.Entry<String, String> e : options.properties().entrySet()) {
            String key = e.getKey();
            if (key.startsWith(PROPERTY_PREFIX)) {
                String ovKey = key.substring(PROPERTY_PREFIX.length());
                if (ovKey.isBlank()) {
                    throw new IllegalArgumentException("property key '" + key + "' names no OpenVINO property; "
                            + "allowed: " + PROPERTY_PREFIX + "KEY, e.g. " + PROPERTY_PREFIX + "ENABLE_CPU_PINNING");
                }
                props.put(ovKey, e.getValue());
            } else if (key.startsWith("openvino.") && !List.of(PERFORMANCE_HINT, NUM_STREAMS, INFERENCE_PRECISION,
                    CACHE_DIR).contains(key)) {
                throw new IllegalArgumentException("property '" + key + "' is unknown; allowed: "
                        + PERFORMANCE_HINT + ", " + NUM_STREAMS + ", " + INFERENCE_PRECISION + ", " + CACHE_DIR
                        + ", " + PROPERTY_PREFIX + "KEY");
            }
        }
        return new OpenVinoOptions(device, props);
    }

    /** {@return the properties as the alternating key, value list {@code ov_core_compile_model} takes} */
    public List<String> keysAndValues() {
        List<String> kv = new ArrayList<>(properties.size() * 2);
        properties.forEach((k, v) -> {
            kv.add(k);
            kv.add(v);
        });
        return kv;
    }

    static String device(String device) {
        String d = device.trim().toLowerCase(Locale.ROOT);
        int colon = d.indexOf(':');
        String head = colon < 0 ? d : d.substring(0, colon);
        if (head.equals("auto") || head.equals("hetero") || head.equals("multi")) {
            if (colon < 0) {
                if (head.equals("auto")) {
                    return "AUTO";
                }
                throw new IllegalArgumentException("device is '" + device + "'; " + head + " needs a device list, "
                        + "e.g. " + head + ":gpu,cpu; allowed: " + DEVICES);
            }
            StringBuilder sb = new StringBuilder(head.toUpperCase(Locale.ROOT)).append(':');
            String[] parts = d.substring(colon + 1).split(",", -1);
            for (int i = 0; i < parts.length; i++) {
                sb.append(i > 0 ? "," : "").append(single(parts[i].trim(), device));
            }
            return sb.toString();
        }
        return single(d, device);
    }

    private static String single(String d, String original) {
        if (d.equals("cpu") || d.equals("npu") || d.equals("gpu")) {
            return d.toUpperCase(Locale.ROOT);
        }
        if (d.startsWith("gpu:") || d.startsWith("gpu.")) {
            String index = d.substring(4);
            if (!index.isEmpty() && index.chars().allMatch(Character::isDigit)) {
                return "GPU." + index;
            }
        }
        throw new IllegalArgumentException("device is '" + original + "'; allowed: " + DEVICES);
    }

    private static String streams(String value) {
        String v = value.trim().toUpperCase(Locale.ROOT);
        if (v.equals("AUTO") || v.equals("NUMA")) {
            return v;
        }
        try {
            if (Integer.parseInt(v) >= 1) {
                return v;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(NUM_STREAMS + " is '" + value + "'; allowed: a number >= 1, auto, numa");
    }

    private static String precision(String value) {
        String v = value.trim().toLowerCase(Locale.ROOT);
        if (!PRECISIONS.contains(v)) {
            throw new IllegalArgumentException(INFERENCE_PRECISION + " is '" + value + "'; allowed: f32, f16, bf16");
        }
        return v;
    }
}
