package io.github.streaminfer.tensor;

/**
 * Element types a tensor can hold. The byte size is the storage size of one element in a native-order buffer.
 *
 * @since 0.1.0
 */
public enum DType {
    /** IEEE 754 binary32. */
    FLOAT32(4),
    /** IEEE 754 binary16, stored as the raw 16-bit pattern. */
    FLOAT16(2),
    /** Signed 64-bit integer. */
    INT64(8),
    /** Signed 32-bit integer. */
    INT32(4),
    /** Unsigned 8-bit integer. */
    UINT8(1),
    /** Boolean, one byte per element (0 or 1). */
    BOOL(1);

    private final int byteSize;

    DType(int byteSize) {
        this.byteSize = byteSize;
    }

    /** {@return bytes per element} */
    public int byteSize() {
        return byteSize;
    }
}
