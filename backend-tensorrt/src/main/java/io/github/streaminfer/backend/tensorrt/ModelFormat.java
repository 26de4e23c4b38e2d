package io.github.streaminfer.backend.tensorrt;

import java.util.Locale;

/**
 * How the TensorRT backend reads a model: an ONNX graph to build an engine from, or a serialized engine.
 *
 * @since 0.1.0
 */
public enum ModelFormat {
    /** Decide by file name ({@code .onnx}; {@code .plan}, {@code .engine}, {@code .trt}), then by content. */
    AUTO,
    /** An ONNX model, built into an engine with the ONNX parser (or taken from the engine cache). */
    ONNX,
    /** A serialized TensorRT engine, as {@code trtexec --saveEngine} or {@code IBuilder::buildSerializedNetwork} write. */
    ENGINE;

    /**
     * {@return the format}
     *
     * @param text {@code auto}, {@code onnx} or {@code engine}
     * @throws IllegalArgumentException naming the value and what is allowed
     */
    static ModelFormat parse(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        for (ModelFormat f : values()) {
            if (f.name().toLowerCase(Locale.ROOT).equals(t)) {
                return f;
            }
        }
        throw new IllegalArgumentException(TensorRtOptions.FORMAT + " is '" + text + "'; allowed: auto, onnx, engine");
    }

    /**
     * Resolves {@link #AUTO}: the file extension first; otherwise an ONNX {@code ModelProto} starts with field 1
     * ({@code ir_version}, varint: byte {@code 0x08}), anything else is taken for an engine.
     *
     * @param name  the model's name or path
     * @param bytes the model's first bytes (may be empty)
     * @return {@link #ONNX} or {@link #ENGINE}; this format itself unless it is {@link #AUTO}
     */
    public ModelFormat resolve(String name, byte[] bytes) {
        if (this != AUTO) {
            return this;
        }
        String n = name.toLowerCase(Locale.ROOT);
        if (n.endsWith(".onnx")) {
            return ONNX;
        }
        if (n.endsWith(".plan") || n.endsWith(".engine") || n.endsWith(".trt")) {
            return ENGINE;
        }
        return bytes.length > 0 && bytes[0] == 0x08 ? ONNX : ENGINE;
    }
}
