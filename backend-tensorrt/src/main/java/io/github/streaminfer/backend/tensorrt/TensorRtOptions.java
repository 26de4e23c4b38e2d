package io.github.streaminfer.backend.tensorrt;

import io.github.streaminfer.backend.ModelOptions;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * The TensorRT settings of a load, read from {@link ModelOptions}: the device, the precision and the
 * {@code tensorrt.*} properties. Immutable; {@link #from(ModelOptions)} validates, {@link #builder()} and
 * {@link #toBuilder()} build one directly, and {@link #applyTo(ModelOptions.Builder)} writes one back as properties.
 *
 * <p>Engine-building settings (precision, workspace, profile shapes) apply when an engine is built from ONNX; a
 * serialized engine carries its own and ignores them.
 *
 * @param deviceIndex    CUDA device ordinal, from {@code cuda:N} / {@code gpu:N} ({@code cuda} means 0)
 * @param precision      {@code fp32} (TF32 off), {@code fp16} or {@code int8}
 * @param int8Quantized  the ONNX model carries Q/DQ nodes (explicit quantization); required for {@code int8}, since
 *                       StreamInfer does not calibrate
 * @param workspaceBytes the builder's workspace pool limit in bytes; 0 leaves TensorRT's default (the device's memory)
 * @param shapes         optimisation profile shapes of the dynamic inputs
 * @param cacheDir       where built engines are kept, keyed by {@link EngineCacheKey}; null disables the cache
 * @param timingCache    the builder's timing cache file, read before and written after a build; null disables it
 * @param cudaGraph      capture each session's copies and enqueue in a CUDA graph (static shapes only)
 * @param format         how to read the model bytes
 * @since 0.1.0
 */
public record TensorRtOptions(int deviceIndex, String precision, boolean int8Quantized, long workspaceBytes,
                              ProfileShapes shapes, Path cacheDir, Path timingCache, boolean cudaGraph,
                              ModelFormat format) {

    /** Property: builder workspace, bytes with an optional {@code KiB}, {@code MiB} or {@code GiB} suffix. */
    public static final String WORKSPACE = "tensorrt.workspace";
    /** Property: minimum profile shapes, {@code name:1x3x48x192,...}. */
    public static final String SHAPES_MIN = "tensorrt.shapes.min";
    /** Property: optimum profile shapes. */
    public static final String SHAPES_OPT = "tensorrt.shapes.opt";
    /** Property: maximum profile shapes. */
    public static final String SHAPES_MAX = "tensorrt.shapes.max";
    /** Property: engine cache directory, or {@code none}. */
    public static final String CACHE_DIR = "tensorrt.cacheDir";
    /** Property: timing cache file, or {@code none}; default {@code timing.cache} in the engine cache directory. */
    public static final String TIMING_CACHE = "tensorrt.timingCache";
    /** Property: {@code true} to capture CUDA graphs (static shapes only). */
    public static final String CUDA_GRAPH = "tensorrt.cudaGraph";
    /** Property: {@code true} when the ONNX model is explicitly quantized (Q/DQ); needed for int8. */
    public static final String INT8_QUANTIZED = "tensorrt.int8.quantized";
    /** Property: {@code auto}, {@code onnx} or {@code engine}. */
    public static final String FORMAT = "tensorrt.format";

    static final List<String> KEYS = List.of(WORKSPACE, SHAPES_MIN, SHAPES_OPT, SHAPES_MAX, CACHE_DIR, TIMING_CACHE,
            CUDA_GRAPH, INT8_QUANTIZED, FORMAT);

    /** The default engine cache: {@code ~/.cache/streaminfer/tensorrt}. */
    public static final Path DEFAULT_CACHE_DIR = Path.of(System.getProperty("user.home"), ".cache", "streaminfer",
            "tensorrt");

    /** Device 0, fp32, TensorRT's workspace default, no profile shapes, the default engine and timing caches. */
    public static final TensorRtOptions DEFAULT = builder().build();

    /**
     * Validates.
     *
     * @param deviceIndex    see the class description
     * @param precision      see the class description
     * @param int8Quantized  see the class description
     * @param workspaceBytes see the class description
     * @param shapes         see the class description
     * @param cacheDir       see the class description
     * @param timingCache    see the class description
     * @param cudaGraph      see the class description
     * @param format         see the class description
     */
    public TensorRtOptions {
        Objects.requireNonNull(precision, "precision");
        Objects.requireNonNull(shapes, "shapes");
        Objects.requireNonNull(format, "format");
        precision = precision.trim().toLowerCase(Locale.ROOT);
        if (deviceIndex < 0) {
            throw new IllegalArgumentException("deviceIndex is " + deviceIndex + "; allowed: >= 0");
        }
        if (!precision.equals("fp32") && !precision.equals("fp16") && !precision.equals("int8")) {
            throw new IllegalArgumentException("precision is '" + precision + "'; allowed: fp32, fp16, int8");
        }
        if (workspaceBytes < 0) {
            throw new IllegalArgumentException(WORKSPACE + " is " + workspaceBytes + "; allowed: >= 0 (0: TensorRT's default)");
        }
        if (cacheDir != null && java.nio.file.Files.isRegularFile(cacheDir)) {
            throw new IllegalArgumentException(CACHE_DIR + " is '" + cacheDir + "', a file; allowed: a directory (created "
                    + "when missing) or none");
        }
        if (timingCache != null && java.nio.file.Files.isDirectory(timingCache)) {
            throw new IllegalArgumentException(TIMING_CACHE + " is '" + timingCache + "', a directory; allowed: a file "
                    + "(created when missing) or none");
        }
        if (int8Quantized && !precision.equals("int8")) {
            throw new IllegalArgumentException(INT8_QUANTIZED + " is true with precision " + precision
                    + "; allowed: only with precision int8");
        }
    }

    /**
     * Reads and validates the TensorRT settings of {@code options}. Properties of other backends (keys without the
     * {@code tensorrt.} prefix) are ignored; an unknown {@code tensorrt.*} key is refused.
     *
     * @param options the load options
     * @return the settings
     * @throws IllegalArgumentException naming the setting, its value and what is allowed
     */
    public static TensorRtOptions from(ModelOptions options) {
        Builder b = builder().deviceIndex(deviceIndex(options.device())).precision(options.precision());
        for (String key : options.properties().keySet()) {
            if (key.startsWith("tensorrt.") && !KEYS.contains(key)) {
                throw new IllegalArgumentException("property " + key + " is unknown; allowed: " + String.join(", ", KEYS));
            }
        }
        Map<String, String> p = options.properties();
        if (p.containsKey(WORKSPACE)) {
            b.workspaceBytes(parseBytes(WORKSPACE, p.get(WORKSPACE)));
        }
        b.shapes(ProfileShapes.parse(p.get(SHAPES_MIN), p.get(SHAPES_OPT), p.get(SHAPES_MAX)));
        if (p.containsKey(CACHE_DIR)) {
            b.cacheDir(pathOrNone(p.get(CACHE_DIR)));
        }
        if (p.containsKey(TIMING_CACHE)) {
            b.timingCache(pathOrNone(p.get(TIMING_CACHE)));
        } else if (p.containsKey(CACHE_DIR)) {
            b.timingCache(b.cacheDir == null ? null : b.cacheDir.resolve("timing.cache"));
        }
        if (p.containsKey(CUDA_GRAPH)) {
            b.cudaGraph(parseBoolean(CUDA_GRAPH, p.get(CUDA_GRAPH)));
        }
        if (p.containsKey(INT8_QUANTIZED)) {
            b.int8Quantized(parseBoolean(INT8_QUANTIZED, p.get(INT8_QUANTIZED)));
        }
        if (p.containsKey(FORMAT)) {
            b.format(ModelFormat.parse(p.get(FORMAT)));
        }
        return b.build();
    }

    /**
     * {@return its CUDA device ordinal}
     *
     * @param device a {@link ModelOptions#device()} string
     * @throws IllegalArgumentException if it is not an NVIDIA GPU device string
     */
    static int deviceIndex(String device) {
        String d = device.trim().toLowerCase(Locale.ROOT);
        int colon = d.indexOf(':');
        String kind = colon < 0 ? d : d.substring(0, colon);
        if (!kind.equals("cuda") && !kind.equals("gpu") && !kind.equals("tensorrt")) {
            throw new IllegalArgumentException("device is '" + device + "'; allowed: cuda, cuda:N, gpu, gpu:N, "
                    + "tensorrt (TensorRT runs on NVIDIA GPUs only)");
        }
        if (colon < 0) {
            return 0;
        }
        try {
            int n = Integer.parseInt(d.substring(colon + 1));
            if (n >= 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("device is '" + device + "'; allowed: " + kind + ":N with N >= 0");
    }

    static long parseBytes(String key, String text) {
        String t = text.trim();
        String lower = t.toLowerCase(Locale.ROOT);
        long unit = 1;
        if (lower.endsWith("kib")) {
            unit = 1L << 10;
        } else if (lower.endsWith("mib")) {
            unit = 1L << 20;
        } else if (lower.endsWith("gib")) {
            unit = 1L << 30;
        }
        String digits = unit == 1 ? t : t.substring(0, t.length() - 3).trim();
        try {
            long v = Long.parseLong(digits);
            if (v >= 0) {
                return Math.multiplyExact(v, unit);
            }
        } catch (NumberFormatException | ArithmeticException e) {
            // reported below
        }
        throw new IllegalArgumentException(key + " is '" + text + "'; allowed: a size in bytes >= 0 with an optional "
                + "KiB, MiB or GiB suffix, e.g. 512MiB");
    }

    private static boolean parseBoolean(String key, String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        if (t.equals("true") || t.equals("false")) {
            return t.equals("true");
        }
        throw new IllegalArgumentException(key + " is '" + text + "'; allowed: true, false");
    }

    private static Path pathOrNone(String text) {
        String t = text.trim();
        if (t.isEmpty() || t.equalsIgnoreCase("none")) {
            return null;
        }
        return Path.of(t);
    }

    /**
     * Writes these settings into a {@link ModelOptions} builder (device, precision and {@code tensorrt.*}
     * properties), so that {@code from(b.build())} gives them back.
     *
     * @param b the builder to write into
     * @return {@code b}
     */
    public ModelOptions.Builder applyTo(ModelOptions.Builder b) {
        b.device("cuda:" + deviceIndex).precision(precision);
        if (workspaceBytes > 0) {
            b.property(WORKSPACE, Long.toString(workspaceBytes));
        }
        if (!shapes.isEmpty()) {
            b.property(SHAPES_MIN, ProfileShapes.text(shapes.min()));
            b.property(SHAPES_OPT, ProfileShapes.text(shapes.opt()));
            b.property(SHAPES_MAX, ProfileShapes.text(shapes.max()));
        }
        b.property(CACHE_DIR, cacheDir == null ? "none" : cacheDir.toString());
        b.property(TIMING_CACHE, timingCache == null ? "none" : timingCache.toString());
        b.property(CUDA_GRAPH, Boolean.toString(cudaGraph));
        if (int8Quantized) {
            b.property(INT8_QUANTIZED, "true");
        }
        b.property(FORMAT, format.name().toLowerCase(Locale.ROOT));
        return b;
    }

    /** {@return a builder with the defaults} */
    public static Builder builder() {
        return new Builder();
    }

    /** {@return a builder starting from these settings} */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.deviceIndex = deviceIndex;
        b.precision = precision;
        b.int8Quantized = int8Quantized;
        b.workspaceBytes = workspaceBytes;
        b.shapes = shapes;
        b.cacheDir = cacheDir;
        b.timingCache = timingCache;
        b.cudaGraph = cudaGraph;
        b.format = format;
        return b;
    }

    /** Builder for {@link TensorRtOptions}. */
    public static final class Builder {
        private int deviceIndex;
        private String precision = "fp32";
        private boolean int8Quantized;
        private long workspaceBytes;
        private ProfileShapes shapes = ProfileShapes.NONE;
        private Path cacheDir = DEFAULT_CACHE_DIR;
        private Path timingCache = DEFAULT_CACHE_DIR.resolve("timing.cache");
        private boolean cudaGraph;
        private ModelFormat format = ModelFormat.AUTO;

        private Builder() {
        }

        /**
         * Sets {@code deviceIndex}.
         *
         * @param index CUDA device ordinal, {@code >= 0}
         * @return this
         */
        public Builder deviceIndex(int index) {
            this.deviceIndex = index;
            return this;
        }

        /**
         * Sets {@code precision}.
         *
         * @param precision {@code fp32}, {@code fp16} or {@code int8}
         * @return this
         */
        public Builder precision(String precision) {
            this.precision = precision;
            return this;
        }

        /**
         * Sets {@code int8Quantized}.
         *
         * @param quantized whether the ONNX model carries Q/DQ nodes (needed for int8)
         * @return this
         */
        public Builder int8Quantized(boolean quantized) {
            this.int8Quantized = quantized;
            return this;
        }

        /**
         * Sets {@code workspaceBytes}.
         *
         * @param bytes workspace pool limit, 0 for TensorRT's default
         * @return this
         */
        public Builder workspaceBytes(long bytes) {
            this.workspaceBytes = bytes;
            return this;
        }

        /**
         * Sets {@code shapes}.
         *
         * @param shapes optimisation profile shapes
         * @return this
         */
        public Builder shapes(ProfileShapes shapes) {
            this.shapes = shapes;
            return this;
        }

        /**
         * Sets {@code cacheDir}.
         *
         * @param dir engine cache directory, null to disable the cache
         * @return this
         */
        public Builder cacheDir(Path dir) {
            this.cacheDir = dir;
            return this;
        }

        /**
         * Sets {@code timingCache}.
         *
         * @param file timing cache file, null to disable it
         * @return this
         */
        public Builder timingCache(Path file) {
            this.timingCache = file;
            return this;
        }

        /**
         * Sets {@code cudaGraph}.
         *
         * @param capture whether to capture CUDA graphs (static shapes only)
         * @return this
         */
        public Builder cudaGraph(boolean capture) {
            this.cudaGraph = capture;
            return this;
        }

        /**
         * Sets {@code format}.
         *
         * @param format how to read the model bytes
         * @return this
         */
        public Builder format(ModelFormat format) {
            this.format = format;
            return this;
        }

        /** {@return the validated settings} */
        public TensorRtOptions build() {
            return new TensorRtOptions(deviceIndex, precision, int8Quantized, workspaceBytes, shapes, cacheDir,
                    timingCache, cudaGraph, format);
        }
    }

    /** {@return the settings as {@code key=value} text for messages and logs} */
    @Override
    public String toString() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("device", "cuda:" + deviceIndex);
        m.put("precision", precision);
        m.put("int8Quantized", int8Quantized);
        m.put("workspaceBytes", workspaceBytes);
        m.put("shapes", shapes);
        m.put("cacheDir", cacheDir);
        m.put("timingCache", timingCache);
        m.put("cudaGraph", cudaGraph);
        m.put("format", format);
        return "TensorRtOptions" + m;
    }
}
