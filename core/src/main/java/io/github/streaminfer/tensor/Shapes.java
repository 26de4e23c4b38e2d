package io.github.streaminfer.tensor;

/**
 * Small helpers for shapes (arrays of dimension sizes).
 *
 * @since 0.1.0
 */
public final class Shapes {
    private Shapes() {
    }

    /**
     * {@return the product of the dimensions}
     *
     * @param shape concrete dimensions (all {@code >= 0})
     * @throws IllegalArgumentException if a dimension is negative or the product overflows
     */
    public static long elementCount(long[] shape) {
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("shape " + toString(shape) + " has a dynamic or negative dimension");
            }
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    /**
     * {@return the shape as {@code [1, 3, 224, 224]}}
     *
     * @param shape dimensions; {@code -1} prints as {@code ?}
     */
    public static String toString(long[] shape) {
        return TensorSpec.shapeString(shape);
    }
}
