package io.github.streaminfer.backend.tensorrt;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * What a built engine depends on, hashed into the name of its file in the engine cache. An engine is only valid for
 * the model bytes, the TensorRT version and the GPU (name and compute capability) it was built with, and differs with
 * the precision flags, the workspace and the profile shapes; any change gives a different key, so a stale engine is
 * never loaded.
 *
 * @param modelSha256       sha256 of the ONNX model bytes, lower-case hex
 * @param tensorRtVersion   TensorRT library version, e.g. {@code 10.15.1}
 * @param gpuName           the device name CUDA reports, e.g. {@code NVIDIA H100 80GB HBM3}
 * @param computeCapability {@code major.minor}, e.g. {@code 9.0}
 * @param precision         {@code fp32}, {@code fp16} or {@code int8}
 * @param int8Quantized     whether the model is explicitly quantized
 * @param workspaceBytes    builder workspace limit, 0 for the default
 * @param profile           the resolved optimisation profile, one entry per dynamic input in input order
 * @since 0.1.0
 */
public record EngineCacheKey(String modelSha256, String tensorRtVersion, String gpuName, String computeCapability,
                             String precision, boolean int8Quantized, long workspaceBytes,
                             Map<String, ProfileShapes.Profile> profile) {

    /** Bump when the canonical text changes, so old files are never mistaken for new ones. */
    static final int FORMAT_VERSION = 1;

    /**
     * Validates and copies.
     *
     * @param modelSha256       see the class description
     * @param tensorRtVersion   see the class description
     * @param gpuName           see the class description
     * @param computeCapability see the class description
     * @param precision         see the class description
     * @param int8Quantized     see the class description
     * @param workspaceBytes    see the class description
     * @param profile           see the class description
     */
    public EngineCacheKey {
        Objects.requireNonNull(modelSha256, "modelSha256");
        Objects.requireNonNull(tensorRtVersion, "tensorRtVersion");
        Objects.requireNonNull(gpuName, "gpuName");
        Objects.requireNonNull(computeCapability, "computeCapability");
        Objects.requireNonNull(precision, "precision");
        if (!modelSha256.matches("[0-9a-f]{64}")) {
            throw new IllegalArgumentException("modelSha256 is '" + modelSha256 + "'; allowed: 64 lower-case hex digits");
        }
        profile = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(profile));
    }

    /**
     * {@return the key}
     *
     * @param model   the ONNX model bytes
     * @param version TensorRT version
     * @param gpu     device name
     * @param cc      compute capability {@code major.minor}
     * @param options the load settings (precision, int8, workspace)
     * @param profile the resolved profile
     */
    public static EngineCacheKey of(byte[] model, String version, String gpu, String cc, TensorRtOptions options,
                                    Map<String, ProfileShapes.Profile> profile) {
        return new EngineCacheKey(sha256(model), version, gpu, cc, options.precision(), options.int8Quantized(),
                options.workspaceBytes(), profile);
    }

    /**
     * {@return its sha256, lower-case hex}
     *
     * @param bytes data to hash
     */
    public static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /** {@return every field in a fixed order, one {@code name=value} per line; what {@link #hash()} hashes} */
    public String canonical() {
        StringBuilder sb = new StringBuilder();
        sb.append("format=").append(FORMAT_VERSION).append('\n');
        sb.append("model.sha256=").append(modelSha256).append('\n');
        sb.append("tensorrt=").append(tensorRtVersion).append('\n');
        sb.append("gpu=").append(gpuName).append('\n');
        sb.append("cc=").append(computeCapability).append('\n');
        sb.append("precision=").append(precision).append('\n');
        sb.append("int8.quantized=").append(int8Quantized).append('\n');
        sb.append("workspace=").append(workspaceBytes).append('\n');
        profile.forEach((name, p) -> sb.append("profile.").append(name).append('=').append(p).append('\n'));
        return sb.toString();
    }

    /** {@return sha256 of {@link #canonical()}, lower-case hex} */
    public String hash() {
        return sha256(canonical().getBytes(StandardCharsets.UTF_8));
    }

    /**
     * {@return {@code <model file stem>-<first 20 hex digits of the hash>.engine}, with only {@code [A-Za-z0-9._-]}}
     *
     * @param modelName the model's name or path, for a readable file name
     */
    public String fileName(String modelName) {
        String base = Path.of(modelName.isBlank() ? "model" : modelName).getFileName().toString();
        int dot = base.lastIndexOf('.');
        if (dot > 0) {
            base = base.substring(0, dot);
        }
        base = base.replaceAll("[^A-Za-z0-9._-]", "_");
        if (base.length() > 64) {
            base = base.substring(0, 64);
        }
        return base.toLowerCase(Locale.ROOT) + "-" + hash().substring(0, 20) + ".engine";
    }
}
