package io.github.streaminfer.transport;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Objects;

/**
 * A numpy array as openpi's msgpack encoding carries it: a map with the byte-string keys {@code __ndarray__},
 * {@code data} (raw bytes), {@code dtype} (numpy's {@code dtype.str}, e.g. {@code <f4}, {@code |u1}) and
 * {@code shape}. Supported dtypes: {@code <f4 <f8 <f2 |u1 |i1 <i2 <u2 <i4 <u4 <i8 |b1} (and their {@code =} forms).
 *
 * <p><b>Note:</b> immutable by contract; the data buffer is not copied.
 */
public final class NdArray {
    private final String dtype;
    private final long[] shape;
    private final ByteBuffer data;
    private final int itemSize;

    /**
     * @param dtype numpy dtype string
     * @param shape dimensions
     * @param data  raw element bytes, exactly {@code product(shape) * itemSize} of them
     * @throws IllegalArgumentException if the dtype is unsupported or the sizes do not match (the message says how)
     */
    public NdArray(String dtype, long[] shape, ByteBuffer data) {
        Objects.requireNonNull(dtype, "dtype");
        Objects.requireNonNull(shape, "shape");
        Objects.requireNonNull(data, "data");
        this.itemSize = itemSize(dtype);
        long n = 1;
        for (long d : shape) {
            if (d < 0 || d > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("ndarray shape " + Arrays.toString(shape)
                        + " has a negative or huge dimension");
            }
            n = Math.multiplyExact(n, d);
        }
        if (n * itemSize != data.remaining()) {
            throw new IllegalArgumentException("ndarray of dtype " + dtype + " and shape " + Arrays.toString(shape)
                    + " needs " + n * itemSize + " data bytes, got " + data.remaining());
        }
        this.dtype = dtype;
        this.shape = shape.clone();
        this.data = data.slice().order(dtype.startsWith(">") ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * @param values float32 values
     * @param shape  dimensions
     * @return a {@code <f4} array
     */
    public static NdArray ofFloats(float[] values, long... shape) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values);
        return new NdArray("<f4", shape, b);
    }

    /**
     * @param dtype a numpy dtype string
     * @return bytes per element
     * @throws IllegalArgumentException if unsupported
     */
    public static int itemSize(String dtype) {
        String t = dtype.length() == 3 ? dtype.substring(1) : "";
        char order = dtype.isEmpty() ? '?' : dtype.charAt(0);
        if (order != '<' && order != '>' && order != '|' && order != '=') {
            t = "";
        }
        switch (t) {
            case "u1": case "i1": case "b1":
                return 1;
            case "f2": case "i2": case "u2":
                return 2;
            case "f4": case "i4": case "u4":
                return 4;
            case "f8": case "i8": case "u8":
                return 8;
            default:
                throw new IllegalArgumentException("unsupported ndarray dtype '" + dtype
                        + "'; allowed: <f4 <f8 <f2 |u1 |i1 |b1 <i2 <u2 <i4 <u4 <i8 <u8");
        }
    }

    /** @return the numpy dtype string */
    public String dtype() {
        return dtype;
    }

    /** @return the shape (a copy) */
    public long[] shape() {
        return shape.clone();
    }

    /** @return number of elements */
    public int size() {
        return data.remaining() / itemSize;
    }

    /** @return the raw bytes, a read-only view in the array's byte order */
    public ByteBuffer data() {
        return data.asReadOnlyBuffer().order(data.order());
    }

    /**
     * @param i element index
     * @return the element converted to float
     */
    public float getFloat(int i) {
        int p = i * itemSize;
        switch (dtype.substring(1)) {
            case "f4": return data.getFloat(p);
            case "f8": return (float) data.getDouble(p);
            case "f2": return halfToFloat(data.getShort(p));
            case "u1": case "b1": return data.get(p) & 0xFF;
            case "i1": return data.get(p);
            case "i2": return data.getShort(p);
            case "u2": return data.getShort(p) & 0xFFFF;
            case "i4": return data.getInt(p);
            case "u4": return data.getInt(p) & 0xFFFFFFFFL;
            case "i8": return data.getLong(p);
            default: return unsigned(data.getLong(p)); // u8
        }
    }

    private static float unsigned(long v) {
        return v >= 0 ? v : (float) ((v >>> 1) * 2.0 + (v & 1));
    }

    private static float halfToFloat(short h) {
        int bits = h & 0xFFFF;
        int sign = (bits >>> 15) != 0 ? -1 : 1;
        int exp = (bits >>> 10) & 0x1F;
        int mant = bits & 0x3FF;
        if (exp == 0) {
            return sign * Math.scalb((float) mant, -24);
        }
        if (exp == 31) {
            return mant == 0 ? sign * Float.POSITIVE_INFINITY : Float.NaN;
        }
        return sign * Math.scalb((float) (mant | 0x400), exp - 25);
    }

    /** @return all elements as floats (a new array) */
    public float[] toFloats() {
        float[] out = new float[size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = getFloat(i);
        }
        return out;
    }

    @Override
    public String toString() {
        return "ndarray(" + dtype + ", " + Arrays.toString(shape) + ")";
    }
}
