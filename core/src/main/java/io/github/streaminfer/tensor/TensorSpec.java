package io.github.streaminfer.tensor;

import java.util.Arrays;
import java.util.Objects;

/**
 * Name, element type and shape of a model input or output. A dimension of {@code -1} is dynamic (decided per
 * run, for example the batch size or the number of detections).
 *
 * <p>Immutable; {@link #shape()} returns a copy.
 *
 * @since 0.1.0
 */
public final class TensorSpec {
    /** Marks a dimension whose size is only known at run time. */
    public static final long DYNAMIC = -1;

    private final String name;
    private final DType dtype;
    private final long[] shape;

    private TensorSpec(String name, DType dtype, long[] shape) {
        this.name = Objects.requireNonNull(name, "name");
        this.dtype = Objects.requireNonNull(dtype, "dtype");
        this.shape = shape.clone();
        for (int i = 0; i < this.shape.length; i++) {
            if (this.shape[i] < DYNAMIC) {
                throw new IllegalArgumentException("tensor '" + name + "': dimension " + i + " is " + this.shape[i]
                        + "; allowed: -1 (dynamic) or a size >= 0");
            }
        }
    }

    /**
     * {@return the spec}
     *
     * @param name  tensor name as the model declares it
     * @param dtype element type
     * @param shape dimensions, {@code -1} for dynamic ones
     */
    public static TensorSpec of(String name, DType dtype, long... shape) {
        return new TensorSpec(name, dtype, shape);
    }

    /** {@return the tensor's name} */
    public String name() {
        return name;
    }

    /** {@return the element type} */
    public DType dtype() {
        return dtype;
    }

    /** {@return a copy of the shape; {@code -1} marks dynamic dimensions} */
    public long[] shape() {
        return shape.clone();
    }

    /** {@return the number of dimensions} */
    public int rank() {
        return shape.length;
    }

    /**
     * {@return the size of that dimension, {@code -1} if dynamic}
     *
     * @param index dimension index
     */
    public long dim(int index) {
        return shape[index];
    }

    /** {@return true if no dimension is dynamic} */
    public boolean isStatic() {
        for (long d : shape) {
            if (d == DYNAMIC) {
                return false;
            }
        }
        return true;
    }

    /**
     * {@return the element count of a static shape}
     *
     * @throws IllegalStateException if a dimension is dynamic
     */
    public long elementCount() {
        if (!isStatic()) {
            throw new IllegalStateException("tensor '" + name + "' has dynamic shape " + shapeString(shape));
        }
        return Shapes.elementCount(shape);
    }

    /**
     * Replaces dynamic dimensions with concrete sizes.
     *
     * @param dynamicValue size to use for every dynamic dimension (commonly the batch size 1)
     * @return a static spec with the same name and type
     */
    public TensorSpec withDynamicDims(long dynamicValue) {
        long[] s = shape.clone();
        for (int i = 0; i < s.length; i++) {
            if (s[i] == DYNAMIC) {
                s[i] = dynamicValue;
            }
        }
        return new TensorSpec(name, dtype, s);
    }

    /**
     * {@return true if {@code concrete} has this spec's rank and equals every static dimension}
     *
     * @param concrete a concrete shape
     */
    public boolean accepts(long[] concrete) {
        if (concrete.length != shape.length) {
            return false;
        }
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] != DYNAMIC && shape[i] != concrete[i]) {
                return false;
            }
        }
        return true;
    }

    static String shapeString(long[] shape) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < shape.length; i++) {
            if (i > 0) {
                sb.append(", ");
            }
            sb.append(shape[i] == DYNAMIC ? "?" : Long.toString(shape[i]));
        }
        return sb.append(']').toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorSpec other && name.equals(other.name) && dtype == other.dtype
                && Arrays.equals(shape, other.shape);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, dtype, Arrays.hashCode(shape));
    }

    @Override
    public String toString() {
        return name + ":" + dtype.name().toLowerCase(java.util.Locale.ROOT) + shapeString(shape);
    }
}
