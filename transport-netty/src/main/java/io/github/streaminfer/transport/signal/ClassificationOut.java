package io.github.streaminfer.transport.signal;

import java.util.Arrays;

/**
 * The fields a {@link ClassificationEncoder} fills for one result of the signal stream: {@code prediction},
 * {@code confidence} and the output {@code shape}.
 *
 * <p><b>Note:</b> owned by one stream; filled on its session's worker.
 *
 * @since 0.1.0
 */
public final class ClassificationOut {
    private int prediction;
    private double confidence;
    private long[] shape = new long[0];

    /** Creates an empty holder. */
    public ClassificationOut() {
    }

    /**
     * @param prediction predicted class index
     * @param confidence its probability in [0, 1]
     * @param shape      shape of the model output (not copied; pass a constant)
     * @return this
     */
    public ClassificationOut set(int prediction, double confidence, long[] shape) {
        this.prediction = prediction;
        this.confidence = confidence;
        this.shape = shape;
        return this;
    }

    /** @return predicted class */
    public int prediction() {
        return prediction;
    }

    /** @return its probability */
    public double confidence() {
        return confidence;
    }

    /** @return the output shape (do not modify) */
    public long[] shape() {
        return shape;
    }

    @Override
    public String toString() {
        return "prediction=" + prediction + " confidence=" + confidence + " shape=" + Arrays.toString(shape);
    }
}
