package io.github.streaminfer.client;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Objects;

/**
 * A numpy array as openpi's protocol carries it: a dtype string ({@code <f4}, {@code |u1}, ...), a shape and the
 * elements' bytes in C order.
 *
 * @param dtype numpy's {@code dtype.str}
 * @param shape the dimensions
 * @param data  the elements, {@code product(shape) × itemsize} bytes; not copied
 * @since 0.1.0
 */
public record OpenPiArray(String dtype, long[] shape, byte[] data) {

    /** Checks the fields. */
    public OpenPiArray {
        Objects.requireNonNull(dtype, "dtype");
        Objects.requireNonNull(shape, "shape");
        Objects.requireNonNull(data, "data");
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("shape is " + Arrays.toString(shape) + "; allowed: dimensions >= 0");
            }
        }
    }

    /**
     * {@return float32 values as a {@code <f4} array}
     *
     * @param values the elements, C order
     * @param shape  the dimensions; none means one dimension of {@code values.length}
     * @throws IllegalArgumentException if the shape does not hold exactly the values
     */
    public static OpenPiArray ofFloats(float[] values, long... shape) {
        long[] s = shape.length == 0 ? new long[]{values.length} : shape.clone();
        requireSize(s, values.length);
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values);
        return new OpenPiArray("<f4", s, b.array());
    }

    /**
     * {@return unsigned bytes as a {@code |u1} array}: raw pixels, for example {@code [H, W, 3]} RGB
     *
     * @param values the elements, C order; not copied
     * @param shape  the dimensions
     * @throws IllegalArgumentException if the shape does not hold exactly the values
     */
    public static OpenPiArray ofUnsignedBytes(byte[] values, long... shape) {
        requireSize(shape, values.length);
        return new OpenPiArray("|u1", shape.clone(), values);
    }

    /**
     * {@return the elements of a {@code <f4} array}
     *
     * @throws IllegalStateException if the dtype is another
     */
    public float[] toFloats() {
        if (!"<f4".equals(dtype)) {
            throw new IllegalStateException("dtype is " + dtype + "; allowed: <f4");
        }
        float[] out = new float[data.length / 4];
        ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
        return out;
    }

    private static void requireSize(long[] shape, int count) {
        long n = 1;
        for (long d : shape) {
            n = d < 0 ? -1 : Math.multiplyExact(n, d);
        }
        if (n != count) {
            throw new IllegalArgumentException("shape is " + Arrays.toString(shape) + " (" + n + " elements); allowed: "
                    + count + " elements, as many as the values");
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof OpenPiArray a && dtype.equals(a.dtype) && Arrays.equals(shape, a.shape)
                && Arrays.equals(data, a.data);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * dtype.hashCode() + Arrays.hashCode(shape)) + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return "OpenPiArray[" + dtype + " " + Arrays.toString(shape) + ", " + data.length + " bytes]";
    }
}
