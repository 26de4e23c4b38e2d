package io.github.streaminfer.tensor;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.util.Arrays;
import java.util.Objects;

/**
 * A tensor over a direct, native-order {@link ByteBuffer} that a backend can read and write without a copy.
 * Sessions allocate their tensors once and reuse them for every frame.
 *
 * <p>The current shape may differ from the {@link #spec() spec} where the spec has dynamic dimensions;
 * {@link #reshape(long...)} changes it, growing the buffer only when the new shape needs more bytes than the
 * buffer has (a one-time allocation, not a per-frame one).
 *
 * <p><b>Note:</b> not thread-safe. A tensor belongs to one session's worker; its memory must stay reachable
 * until a backend has finished reading it, which the owning session guarantees.
 *
 * @since 0.1.0
 */
public final class Tensor {
    private final TensorSpec spec;
    private final long[] shape;
    private ByteBuffer buffer;
    private FloatBuffer floats;
    private IntBuffer ints;
    private LongBuffer longs;
    private long elementCount;
    private boolean freed;

    private Tensor(TensorSpec spec, long[] shape) {
        this.spec = spec;
        this.shape = shape.clone();
        if (!spec.accepts(shape)) {
            throw new IllegalArgumentException("tensor '" + spec.name() + "': shape " + Shapes.toString(shape)
                    + " does not match spec " + spec);
        }
        this.elementCount = Shapes.elementCount(shape);
        allocate(byteSizeOf(elementCount));
    }

    /**
     * Allocates a tensor for a static spec.
     *
     * @param spec a spec without dynamic dimensions
     * @return a zero-filled tensor
     * @throws IllegalArgumentException if the spec has dynamic dimensions
     */
    public static Tensor allocate(TensorSpec spec) {
        if (!spec.isStatic()) {
            throw new IllegalArgumentException("tensor '" + spec.name() + "' has dynamic shape "
                    + Shapes.toString(spec.shape()) + "; give a concrete shape with allocate(spec, shape)");
        }
        return new Tensor(spec, spec.shape());
    }

    /**
     * Allocates a tensor with a concrete shape that the spec accepts.
     *
     * @param spec  the spec
     * @param shape concrete shape
     * @return a zero-filled tensor
     */
    public static Tensor allocate(TensorSpec spec, long... shape) {
        return new Tensor(Objects.requireNonNull(spec, "spec"), shape);
    }

    private long byteSizeOf(long elements) {
        return Math.multiplyExact(elements, (long) spec.dtype().byteSize());
    }

    private void allocate(long bytes) {
        if (bytes > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("tensor '" + spec.name() + "' needs " + bytes
                    + " bytes; at most " + Integer.MAX_VALUE + " are supported");
        }
        buffer = ByteBuffer.allocateDirect((int) Math.max(bytes, 1)).order(ByteOrder.nativeOrder());
        floats = null;
        ints = null;
        longs = null;
        sizeViews();
    }

    private void sizeViews() {
        buffer.clear().limit((int) byteSize());
        if (floats != null) {
            floats.clear().limit((int) elementCount);
        }
        if (ints != null) {
            ints.clear().limit((int) elementCount);
        }
        if (longs != null) {
            longs.clear().limit((int) elementCount);
        }
    }

    /** {@return the spec this tensor was allocated for} */
    public TensorSpec spec() {
        return spec;
    }

    /** {@return the tensor name} */
    public String name() {
        return spec.name();
    }

    /** {@return the element type} */
    public DType dtype() {
        return spec.dtype();
    }

    /** {@return the number of dimensions} */
    public int rank() {
        return shape.length;
    }

    /**
     * {@return the current size of that dimension}
     *
     * @param index dimension index
     */
    public long dim(int index) {
        return shape[index];
    }

    /**
     * {@return whether the current shape is exactly {@code shape}; false for null} Allocates nothing.
     *
     * @param shape the dimensions to compare with
     */
    public boolean hasShape(long[] shape) {
        return shape != null && Arrays.equals(this.shape, shape);
    }

    /**
     * {@return whether the current shape is exactly the shape {@code spec} declares} A dynamic dimension ({@code -1})
     * never matches. Allocates nothing.
     *
     * @param spec the declared shape to compare with
     */
    public boolean hasShapeOf(TensorSpec spec) {
        if (spec.rank() != shape.length) {
            return false;
        }
        for (int k = 0; k < shape.length; k++) {
            if (shape[k] != spec.dim(k)) {
                return false;
            }
        }
        return true;
    }

    /** {@return a copy of the current shape (allocates; use {@link #dim(int)} on hot paths)} */
    public long[] shape() {
        return shape.clone();
    }

    /**
     * Copies the current shape into {@code dst} without allocating.
     *
     * @param dst array of length {@link #rank()}
     * @return {@code dst}
     */
    public long[] shapeInto(long[] dst) {
        System.arraycopy(shape, 0, dst, 0, shape.length);
        return dst;
    }

    /** {@return the current element count} */
    public long elementCount() {
        return elementCount;
    }

    /** {@return the current size in bytes} */
    public long byteSize() {
        return elementCount * spec.dtype().byteSize();
    }

    /** {@return bytes the buffer can hold without growing} */
    public int capacityBytes() {
        return buffer.capacity();
    }

    /**
     * Changes the current shape. The rank must stay the same and static dimensions of the spec must match.
     * Grows the buffer (losing its contents) only if the new shape needs more bytes than it has.
     *
     * @param newShape the new concrete shape
     * @return true if the buffer was reallocated
     */
    public boolean reshape(long... newShape) {
        ensureNotFreed();
        if (!spec.accepts(newShape)) {
            throw new IllegalArgumentException("tensor '" + spec.name() + "': shape " + Shapes.toString(newShape)
                    + " does not match spec " + spec);
        }
        boolean same = true;
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] != newShape[i]) {
                same = false;
                break;
            }
        }
        if (same) {
            return false;
        }
        System.arraycopy(newShape, 0, shape, 0, shape.length);
        elementCount = Shapes.elementCount(shape);
        long bytes = byteSizeOf(elementCount);
        if (bytes > buffer.capacity()) {
            allocate(bytes);
            return true;
        }
        sizeViews();
        return false;
    }

    /**
     * The backing buffer, position 0 and limit {@link #byteSize()}. The same object is returned every time.
     *
     * @return the direct native-order buffer
     */
    public ByteBuffer buffer() {
        ensureNotFreed();
        return buffer.clear().limit((int) byteSize());
    }

    /**
     * A float view of the buffer, position 0 and limit {@link #elementCount()}; created once and reused.
     *
     * @return the view
     * @throws IllegalStateException if the dtype is not {@link DType#FLOAT32}
     */
    public FloatBuffer floats() {
        requireType(DType.FLOAT32);
        if (floats == null) {
            floats = buffer.clear().asFloatBuffer();
        }
        return floats.clear().limit((int) elementCount);
    }

    /**
     * An int view of the buffer, position 0 and limit {@link #elementCount()}; created once and reused.
     *
     * @return the view
     * @throws IllegalStateException if the dtype is not {@link DType#INT32}
     */
    public IntBuffer ints() {
        requireType(DType.INT32);
        if (ints == null) {
            ints = buffer.clear().asIntBuffer();
        }
        return ints.clear().limit((int) elementCount);
    }

    /**
     * A long view of the buffer, position 0 and limit {@link #elementCount()}; created once and reused.
     *
     * @return the view
     * @throws IllegalStateException if the dtype is not {@link DType#INT64}
     */
    public LongBuffer longs() {
        requireType(DType.INT64);
        if (longs == null) {
            longs = buffer.clear().asLongBuffer();
        }
        return longs.clear().limit((int) elementCount);
    }

    /**
     * {@return the float32 element}
     *
     * @param index element index
     */
    public float getFloat(long index) {
        return buffer.getFloat(checkedOffset(index, 4));
    }

    /**
     * Stores one element as float32.
     *
     * @param index element index
     * @param value value to store as float32
     */
    public void putFloat(long index, float value) {
        buffer.putFloat(checkedOffset(index, 4), value);
    }

    /**
     * {@return the int64 element}
     *
     * @param index element index
     */
    public long getLong(long index) {
        return buffer.getLong(checkedOffset(index, 8));
    }

    /**
     * Stores one element as int64.
     *
     * @param index element index
     * @param value value to store as int64
     */
    public void putLong(long index, long value) {
        buffer.putLong(checkedOffset(index, 8), value);
    }

    /**
     * {@return the int32 element}
     *
     * @param index element index
     */
    public int getInt(long index) {
        return buffer.getInt(checkedOffset(index, 4));
    }

    /**
     * Stores one element as int32.
     *
     * @param index element index
     * @param value value to store as int32
     */
    public void putInt(long index, int value) {
        buffer.putInt(checkedOffset(index, 4), value);
    }

    /**
     * Writes {@code length} floats from {@code src} starting at element {@code index}.
     *
     * @param index  first element
     * @param src    source array
     * @param offset first source index
     * @param length number of floats
     */
    public void putFloats(long index, float[] src, int offset, int length) {
        FloatBuffer f = floatRange(index, length);
        f.position((int) index);
        f.put(src, offset, length);
        f.clear().limit((int) elementCount);
    }

    /**
     * Reads {@code length} floats starting at element {@code index} into {@code dst}.
     *
     * @param index  first element
     * @param dst    destination array
     * @param offset first destination index
     * @param length number of floats
     */
    public void getFloats(long index, float[] dst, int offset, int length) {
        FloatBuffer f = floatRange(index, length);
        f.position((int) index);
        f.get(dst, offset, length);
        f.clear().limit((int) elementCount);
    }

    /**
     * Copies the contents of {@code src} (same dtype, same element count) into this tensor.
     *
     * @param src the source tensor
     */
    public void copyFrom(Tensor src) {
        if (src.dtype() != dtype() || src.elementCount() != elementCount) {
            throw new IllegalArgumentException("cannot copy tensor '" + src.name() + "' " + src.dtype() + " "
                    + Shapes.toString(src.shape) + " into '" + name() + "' " + dtype() + " " + Shapes.toString(shape));
        }
        ByteBuffer dst = buffer();
        dst.put(src.buffer());
        dst.clear().limit((int) byteSize());
    }

    /** Sets every byte of the current extent to zero. */
    public void zero() {
        ByteBuffer b = buffer();
        int n = (int) byteSize();
        int i = 0;
        for (; i + 8 <= n; i += 8) {
            b.putLong(i, 0L);
        }
        for (; i < n; i++) {
            b.put(i, (byte) 0);
        }
    }

    /**
     * Releases the native memory now instead of waiting for the garbage collector. The tensor is unusable
     * afterwards. Only the owner may call this, and only when no backend can still be reading the memory.
     */
    public void free() {
        if (freed) {
            return;
        }
        freed = true;
        DirectMemory.free(buffer);
        floats = null;
        ints = null;
        longs = null;
    }

    /** {@return true once {@link #free()} was called} */
    public boolean isFreed() {
        return freed;
    }

    private FloatBuffer floatRange(long index, int length) {
        requireType(DType.FLOAT32);
        if (index < 0 || length < 0 || index + length > elementCount) {
            throw new IndexOutOfBoundsException("tensor '" + spec.name() + "': elements [" + index + ", "
                    + (index + length) + ") outside [0, " + elementCount + ")");
        }
        return floats();
    }

    private int checkedOffset(long index, int width) {
        if (index < 0 || index >= elementCount) {
            throw new IndexOutOfBoundsException("tensor '" + spec.name() + "': element " + index + " outside [0, "
                    + elementCount + ")");
        }
        if (spec.dtype().byteSize() != width) {
            throw new IllegalStateException("tensor '" + spec.name() + "' holds " + spec.dtype()
                    + ", not a " + width + "-byte type");
        }
        return (int) (index * width);
    }

    private void requireType(DType type) {
        ensureNotFreed();
        if (spec.dtype() != type) {
            throw new IllegalStateException("tensor '" + spec.name() + "' holds " + spec.dtype() + ", not " + type);
        }
    }

    private void ensureNotFreed() {
        if (freed) {
            throw new IllegalStateException("tensor '" + spec.name() + "' was freed");
        }
    }

    @Override
    public String toString() {
        return "Tensor[" + spec.name() + ":" + spec.dtype() + Shapes.toString(shape) + "]";
    }
}
