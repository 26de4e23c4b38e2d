package io.github.streaminfer.task;

import java.util.Arrays;

/**
 * A policy's output: {@code horizon} actions of {@code dim} values each (horizon 1 for a single action), row-major.
 * A reusable holder filled in place by {@link PolicyTask}.
 *
 * <p><b>Note:</b> not thread-safe; read-only once its result is published.
 *
 * @since 0.1.0
 */
public final class ActionChunk {
    private float[] data;
    private int horizon;
    private int dim;

    /**
     * Creates an empty chunk sized for the expected horizon and dimension.
     *
     * @param horizon expected steps
     * @param dim     expected action dimension
     */
    public ActionChunk(int horizon, int dim) {
        this.data = new float[Math.max(1, horizon * dim)];
    }

    /** {@return steps in the chunk (1 for a single action)} */
    public int horizon() {
        return horizon;
    }

    /** {@return values per action} */
    public int dim() {
        return dim;
    }

    /**
     * {@return the value}
     *
     * @param step action index, {@code 0..horizon-1}
     * @param axis value index, {@code 0..dim-1}
     */
    public float get(int step, int axis) {
        if (step < 0 || step >= horizon || axis < 0 || axis >= dim) {
            throw new IndexOutOfBoundsException("(" + step + ", " + axis + ") outside " + horizon + "x" + dim);
        }
        return data[step * dim + axis];
    }

    /** {@return the backing array; the first {@code horizon * dim} values are valid} */
    public float[] array() {
        return data;
    }

    /**
     * {@return a copy of that action}
     *
     * @param step action index
     */
    public float[] action(int step) {
        if (step < 0 || step >= horizon) {
            throw new IndexOutOfBoundsException("step " + step + " outside [0, " + horizon + ")");
        }
        return Arrays.copyOfRange(data, step * dim, step * dim + dim);
    }

    /** {@return a copy of all valid values, row-major} */
    public float[] toArray() {
        return Arrays.copyOf(data, horizon * dim);
    }

    /** {@return a detached copy (allocates; for consumers keeping a chunk beyond the result's release)} */
    public ActionChunk copy() {
        ActionChunk c = new ActionChunk(horizon, dim);
        c.set(horizon, dim);
        System.arraycopy(data, 0, c.data, 0, horizon * dim);
        return c;
    }

    void set(int horizon, int dim) {
        if (data.length < horizon * dim) {
            data = new float[horizon * dim];
        }
        this.horizon = horizon;
        this.dim = dim;
    }

    @Override
    public String toString() {
        return "ActionChunk[" + horizon + "x" + dim + (horizon > 0 ? ", first=" + Arrays.toString(action(0)) : "") + "]";
    }
}
