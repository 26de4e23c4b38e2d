package io.github.streaminfer.task;

/**
 * What a task applies to a model's raw scores before ranking them.
 *
 * @since 0.1.0
 */
public enum Activation {
    /** Use the scores as they are (the model already outputs probabilities, or ranking logits is enough). */
    NONE,
    /** Softmax over the classes. */
    SOFTMAX,
    /** Logistic sigmoid per class (multi-label models). */
    SIGMOID;

    /**
     * Applies the activation in place.
     *
     * @param v      scores
     * @param length number of valid scores
     */
    public void apply(float[] v, int length) {
        switch (this) {
            case NONE -> {
            }
            case SIGMOID -> {
                for (int i = 0; i < length; i++) {
                    v[i] = (float) (1.0 / (1.0 + Math.exp(-v[i])));
                }
            }
            case SOFTMAX -> {
                float max = Float.NEGATIVE_INFINITY;
                for (int i = 0; i < length; i++) {
                    max = Math.max(max, v[i]);
                }
                double sum = 0;
                for (int i = 0; i < length; i++) {
                    sum += Math.exp(v[i] - max);
                }
                for (int i = 0; i < length; i++) {
                    v[i] = (float) (Math.exp(v[i] - max) / sum);
                }
            }
        }
    }
}
