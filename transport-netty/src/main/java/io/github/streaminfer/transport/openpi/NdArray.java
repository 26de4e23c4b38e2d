package io.github.streaminfer.transport.openpi;

import io.github.streaminfer.transport.internal.http.ClientText;

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
 *
 * @since 0.1.0
 */
public final class NdArray {
    private final String dtype;
    private final long[] shape;
    private final ByteBuffer data;
    private final int itemSize;
    private final int kind;

    /**
     * Wraps the element bytes of an array; every size is computed with checked arithmetic, so a shape whose byte
     * size does not fit in 2^31 - 1 is refused rather than wrapped around.
     *
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
        long bytes = byteSize(dtype, shape);
        if (bytes != data.remaining()) {
            throw new IllegalArgumentException("ndarray of dtype " + dtype + " and shape " + Arrays.toString(shape)
                    + " needs " + bytes + " data bytes, got " + data.remaining());
        }
        this.dtype = dtype;
        this.kind = kind(dtype);
        this.shape = shape.clone();
        this.data = data.slice().order(dtype.startsWith(">") ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * {@return the number of data bytes an array of this dtype and shape holds}, computed with checked arithmetic.
     *
     * @param dtype numpy dtype string
     * @param shape dimensions
     * @throws IllegalArgumentException if the dtype is unsupported, a dimension is negative, or the size exceeds
     *                                  {@link Integer#MAX_VALUE} bytes
     */
    public static long byteSize(String dtype, long[] shape) {
        long n = itemSize(dtype);
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("ndarray shape " + Arrays.toString(shape)
                        + " has a negative dimension; allowed: >= 0");
            }
            if (d != 0 && n > Integer.MAX_VALUE / d) {
                // the product of the remaining dimensions could still be 0: an empty array is small
                for (long e : shape) {
                    if (e == 0) {
                        return 0;
                    }
                }
                throw new IllegalArgumentException("ndarray of dtype " + dtype + " and shape "
                        + Arrays.toString(shape) + " is larger than " + Integer.MAX_VALUE + " bytes");
            }
            n *= d;
        }
        return n;
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
                throw new IllegalArgumentException("unsupported ndarray dtype '" + ClientText.safe(dtype, 16)
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
        switch (kind) {
            case F4: return data.getFloat(p);
            case F8: return (float) data.getDouble(p);
            case F2: return halfToFloat(data.getShort(p));
            case U1: return data.get(p) & 0xFF;
            case I1: return data.get(p);
            case I2: return data.getShort(p);
            case U2: return data.getShort(p) & 0xFFFF;
            case I4: return data.getInt(p);
            case U4: return data.getInt(p) & 0xFFFFFFFFL;
            case I8: return data.getLong(p);
            default: return unsigned(data.getLong(p)); // u8
        }
    }

    /** {@return true if the elements are single bytes read as 0..255: {@code |u1} or {@code |b1}} */
    public boolean isUnsignedBytes() {
        return kind == U1;
    }

    /**
     * Copies raw element bytes, as they are, into an array.
     *
     * @param fromByte first data byte
     * @param dst      destination
     * @param offset   first index in {@code dst}
     * @param length   bytes to copy
     * @throws IndexOutOfBoundsException if either range is out of bounds
     */
    public void copyBytes(int fromByte, byte[] dst, int offset, int length) {
        data.get(fromByte, dst, offset, length);
    }

    /**
     * {@return the raw byte at a data index}, the whole element for {@code |u1}, {@code |i1} and {@code |b1}.
     *
     * @param index data byte index
     */
    public byte byteAt(int index) {
        return data.get(index);
    }

    private static final int F4 = 0;
    private static final int F8 = 1;
    private static final int F2 = 2;
    private static final int U1 = 3;
    private static final int I1 = 4;
    private static final int I2 = 5;
    private static final int U2 = 6;
    private static final int I4 = 7;
    private static final int U4 = 8;
    private static final int I8 = 9;
    private static final int U8 = 10;

    private static int kind(String dtype) {
        switch (dtype.substring(1)) {
            case "f4": return F4;
            case "f8": return F8;
            case "f2": return F2;
            case "u1": case "b1": return U1;
            case "i1": return I1;
            case "i2": return I2;
            case "u2": return U2;
            case "i4": return I4;
            case "u4": return U4;
            case "i8": return I8;
            default: return U8;
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
