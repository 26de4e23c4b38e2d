package io.github.streaminfer.task;

import java.util.List;
import java.util.Objects;

/**
 * What the built-in tasks' builders share: which model input and output the task uses, and the class labels.
 *
 * @param <B> the concrete builder, returned by every setter
 */
abstract class TaskBuilder<B extends TaskBuilder<B>> {
    String inputName;
    String outputName;
    List<String> labels = List.of();

    @SuppressWarnings("unchecked")
    final B self() {
        return (B) this;
    }

    /**
     * Sets {@code inputName}.
     *
     * @param name the model input the task writes (default: the first input)
     * @return this
     */
    public B inputName(String name) {
        this.inputName = name;
        return self();
    }

    /**
     * Sets {@code outputName}.
     *
     * @param name the model output the task decodes (default: the first output)
     * @return this
     */
    public B outputName(String name) {
        this.outputName = name;
        return self();
    }

    /**
     * Sets {@code labels}.
     *
     * @param labels class names by index
     * @return this
     */
    public B labels(List<String> labels) {
        this.labels = List.copyOf(labels);
        return self();
    }

    /**
     * A builder of a task whose output is class scores: adds the activation and how many classes are kept.
     *
     * @param <B> the concrete builder
     */
    abstract static class Scores<B extends Scores<B>> extends TaskBuilder<B> {
        Activation activation = Activation.NONE;
        int topK;

        Scores(int defaultTopK) {
            this.topK = defaultTopK;
        }

        /**
         * Sets {@code activation}.
         *
         * @param activation applied to the raw scores (default NONE)
         * @return this
         */
        public B activation(Activation activation) {
            this.activation = Objects.requireNonNull(activation, "activation");
            return self();
        }

        /**
         * Sets {@code topK}.
         *
         * @param k number of best classes kept, {@code >= 1} (default: 5 for {@link ClassifierTask}, 3 for
         *          {@link SignalWindowTask})
         * @return this
         */
        public B topK(int k) {
            if (k < 1) {
                throw new IllegalArgumentException("topK is " + k + "; allowed: >= 1");
            }
            this.topK = k;
            return self();
        }
    }
}
