package io.github.streaminfer.transport.signal;

import io.github.streaminfer.task.Classification;
import io.github.streaminfer.task.FloatVector;

/**
 * Maps a session's result value to the signal stream's {@code prediction}, {@code confidence} and {@code shape}.
 *
 * <p><b>Note:</b> called on the session's worker; must not block or keep {@code value}.
 *
 * @param <O> result value type
 * @since 0.1.0
 */
@FunctionalInterface
public interface ClassificationEncoder<O> {

    /**
     * @param value the decoded result
     * @param out   the fields to fill
     */
    void encode(O value, ClassificationOut out);

    /**
     * For {@link Classification} (from {@code SignalWindowTask} or {@code ClassifierTask}): the best class and its
     * score after the task's activation.
     *
     * @param shape the model output shape to report
     * @return the encoder
     */
    static ClassificationEncoder<Classification> classification(long... shape) {
        long[] s = shape.clone();
        return (c, out) -> out.set(c.best(), c.bestScore(), s);
    }

    /**
     * For logits in a vector: prediction = argmax, confidence = its softmax probability.
     *
     * @param shape the model output shape to report, e.g. {@code [1, 7]}
     * @return the encoder
     */
    static ClassificationEncoder<FloatVector> softmaxArgmax(long... shape) {
        long[] s = shape.clone();
        return (v, out) -> {
            float[] a = v.array();
            int n = v.length();
            int best = 0;
            for (int i = 1; i < n; i++) {
                if (a[i] > a[best]) {
                    best = i;
                }
            }
            double sum = 0;
            for (int i = 0; i < n; i++) {
                sum += Math.exp(a[i] - a[best]);
            }
            out.set(best, n == 0 ? 0 : 1.0 / sum, s);
        };
    }
}
