package io.github.streaminfer.task;

import java.util.Arrays;

/**
 * A reusable, growable vector of floats: the result value of {@link FloatArrayTask} and of tasks whose output is
 * a plain vector. {@link #length()} elements of {@link #array()} are valid.
 *
 * <p><b>Note:</b> not thread-safe; a result's value is read-only once the result is published.
 *
 * @since 0.1.0
 */
public final class FloatVector {
    private float[] data;
    private int length;

    /**
     * Creates an empty vector.
     *
     * @param capacity initial capacity
     */
    public FloatVector(int capacity) {
        this.data = new float[capacity];
    }

    /** {@return the backing array; only the first {@link #length()} elements are valid} */
    public float[] array() {
        return data;
    }

    /** {@return the number of valid elements} */
    public int length() {
        return length;
    }

    /**
     * {@return the element}
     *
     * @param index element index
     */
    public float get(int index) {
        if (index < 0 || index >= length) {
            throw new IndexOutOfBoundsException("index " + index + " outside [0, " + length + ")");
        }
        return data[index];
    }

    /**
     * Sets the length, growing the array if needed (contents beyond the old length are undefined).
     *
     * @param newLength the new length
     */
    public void setLength(int newLength) {
        if (newLength > data.length) {
            data = Arrays.copyOf(data, newLength);
        }
        length = newLength;
    }

    /** {@return a copy of the valid elements} */
    public float[] toArray() {
        return Arrays.copyOf(data, length);
    }

    @Override
    public String toString() {
        return Arrays.toString(toArray());
    }
}
