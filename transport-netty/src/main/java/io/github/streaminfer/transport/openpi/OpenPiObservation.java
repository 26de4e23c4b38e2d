package io.github.streaminfer.transport.openpi;

import io.github.streaminfer.transport.internal.http.ClientText;

import java.util.Map;
import java.util.Objects;

/**
 * One observation of the openpi protocol: the decoded msgpack map, with nested maps flattened to {@code /}-joined
 * keys ({@code {"images": {"cam_high": ...}}} becomes {@code images/cam_high}; openpi's DROID keys such as
 * {@code observation/joint_position} stay as they are). Values are {@link NdArray}, {@code String},
 * {@code Long}, {@code Double}, {@code Boolean}, {@code byte[]}, {@code java.util.List} or null.
 *
 * <p><b>Note:</b> immutable.
 *
 * @param values flattened entries
 * @since 0.1.0
 */
public record OpenPiObservation(Map<String, Object> values) {

    /** @param values see the class description */
    public OpenPiObservation {
        Objects.requireNonNull(values, "values");
        values = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(values));
    }

    /**
     * @param key a flattened key
     * @return the array under it, or null if absent
     * @throws IllegalArgumentException if the value is not an array
     */
    public NdArray array(String key) {
        Object v = values.get(key);
        if (v == null || v instanceof NdArray) {
            return (NdArray) v;
        }
        throw new IllegalArgumentException("observation key '" + ClientText.safe(key) + "' must be an ndarray, got "
                + kind(v));
    }

    /** {@return what a decoded msgpack value is, in the protocol's words, never a Java class name} */
    static String kind(Object v) {
        if (v instanceof java.util.List<?>) {
            return "an array";
        }
        if (v instanceof java.util.Map<?, ?>) {
            return "a map";
        }
        if (v instanceof String) {
            return "a string";
        }
        if (v instanceof byte[]) {
            return "binary";
        }
        if (v instanceof Boolean) {
            return "a boolean";
        }
        return v instanceof Number ? "a number" : "an unsupported value";
    }

    /**
     * @param key a flattened key
     * @return the string under it, or null if absent
     */
    public String text(String key) {
        Object v = values.get(key);
        return v instanceof String s ? s : null;
    }
}
