package io.github.streaminfer.action;

import java.util.Arrays;

/**
 * One policy output: a single action ({@code horizon == 1}) or an action chunk of {@code horizon} steps of
 * {@code dim} values each, with the frame it came from and when that frame's observation was captured.
 *
 * <p>Storage is one flat, row-major {@code float[]} allocated once for the largest horizon:
 * value {@code (step, d)} is at {@code step * dim + d}. {@link #set} copies into it and never allocates.
 *
 * <p><b>Note:</b> not thread-safe; a chunk is filled by one thread and handed over by
 * {@link ActionController#offer}, which copies it into one.
 */
final class ChunkSlot {
    private final int dim;
    private final int maxHorizon;
    private final float[] values;
    private int horizon;
    private long frameId;
    private long captureNanos;

    /**
     * Creates a slot with room for the longest chunk.
     *
     * @param dim        values per step, {@code >= 1}
     * @param maxHorizon most steps a chunk can hold, {@code >= 1}
     */
    ChunkSlot(int dim, int maxHorizon) {
        if (dim < 1) {
            throw new IllegalArgumentException("dim is " + dim + "; allowed: >= 1");
        }
        if (maxHorizon < 1) {
            throw new IllegalArgumentException("maxHorizon is " + maxHorizon + "; allowed: >= 1");
        }
        if ((long) dim * maxHorizon > (1 << 24)) {
            throw new IllegalArgumentException("dim x maxHorizon is " + (long) dim * maxHorizon + "; allowed: <= " + (1 << 24));
        }
        this.dim = dim;
        this.maxHorizon = maxHorizon;
        this.values = new float[dim * maxHorizon];
    }

    /**
     * Fills the chunk from a flat array. The caller checks the sizes ({@link ActionController#offer} does).
     *
     * @param src          row-major values, {@code horizon * dim} of them from {@code offset}
     * @param offset       first value in {@code src}
     * @param horizon      number of steps, 1 to {@link #maxHorizon()}
     * @param frameId      source frame id
     * @param captureNanos when the frame's observation was captured (monotonic ns)
     * @return this
     */
    public ChunkSlot set(float[] src, int offset, int horizon, long frameId, long captureNanos) {
        if (horizon < 1 || horizon > maxHorizon) {
            throw new IllegalArgumentException("horizon is " + horizon + "; allowed: 1 to " + maxHorizon);
        }
        System.arraycopy(src, offset, values, 0, horizon * dim);
        this.horizon = horizon;
        this.frameId = frameId;
        this.captureNanos = captureNanos;
        return this;
    }

    /** Copies another chunk of the same dimension. */
    void copyFrom(ChunkSlot other) {
        System.arraycopy(other.values, 0, values, 0, other.horizon * dim);
        horizon = other.horizon;
        frameId = other.frameId;
        captureNanos = other.captureNanos;
    }

    void setMeta(int horizon, long frameId, long captureNanos) {
        this.horizon = horizon;
        this.frameId = frameId;
        this.captureNanos = captureNanos;
    }

    /** {@return values per step} */
    public int dim() {
        return dim;
    }

    /** {@return capacity in steps} */
    public int maxHorizon() {
        return maxHorizon;
    }

    /** {@return steps currently held} */
    public int horizon() {
        return horizon;
    }

    /** {@return source frame id} */
    public long frameId() {
        return frameId;
    }

    /** {@return capture time of the source observation (monotonic ns)} */
    public long captureNanos() {
        return captureNanos;
    }

    /**
     * {@return the value}
     *
     * @param step step index
     * @param d    dimension index
     */
    public float get(int step, int d) {
        if (step < 0 || step >= horizon || d < 0 || d >= dim) {
            throw new IndexOutOfBoundsException("(" + step + ", " + d + ") outside " + horizon + " x " + dim);
        }
        return values[step * dim + d];
    }

    /** {@return the backing array (row-major; the first {@code horizon * dim} values are valid)} */
    public float[] array() {
        return values;
    }

    @Override
    public String toString() {
        return "ChunkSlot[frame=" + frameId + ", " + horizon + "x" + dim + ", "
                + Arrays.toString(Arrays.copyOf(values, Math.min(horizon * dim, 16))) + (horizon * dim > 16 ? "...]" : "]");
    }
}
