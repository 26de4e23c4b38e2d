package io.github.streaminfer.task;

import java.util.Arrays;
import java.util.List;

/**
 * The result of a classification: every class score (after the task's {@link Activation}) and the top-k classes,
 * best first. A reusable holder filled in place by {@link ClassifierTask} and {@link SignalWindowTask}.
 *
 * <p><b>Note:</b> not thread-safe; read-only once its result is published.
 *
 * @since 0.1.0
 */
public final class Classification {
    private final List<String> labels;
    private float[] scores;
    private int classes;
    private final int[] topIndex;
    private final float[] topScore;
    private int topCount;
    private long sampleIndex = -1;

    /**
     * Creates an empty result sized for the expected class count.
     *
     * @param classes expected class count (grown if the model outputs more)
     * @param topK    how many best classes to keep, {@code >= 1}
     * @param labels  class names by index, may be empty
     */
    public Classification(int classes, int topK, List<String> labels) {
        this.scores = new float[Math.max(1, classes)];
        this.topIndex = new int[topK];
        this.topScore = new float[topK];
        this.labels = List.copyOf(labels);
    }

    /** {@return number of classes} */
    public int classCount() {
        return classes;
    }

    /**
     * {@return that class's score}
     *
     * @param index class index
     */
    public float score(int index) {
        if (index < 0 || index >= classes) {
            throw new IndexOutOfBoundsException("class " + index + " outside [0, " + classes + ")");
        }
        return scores[index];
    }

    /** {@return a copy of all scores} */
    public float[] scores() {
        return Arrays.copyOf(scores, classes);
    }

    /** {@return the best class index} */
    public int best() {
        return topIndex[0];
    }

    /** {@return the best class score} */
    public float bestScore() {
        return topScore[0];
    }

    /** {@return the best class's label, or its index as text when there are no labels} */
    public String bestLabel() {
        return label(topIndex[0]);
    }

    /**
     * {@return its label, or the index as text}
     *
     * @param index class index
     */
    public String label(int index) {
        return index < labels.size() ? labels.get(index) : Integer.toString(index);
    }

    /** {@return how many top classes are held ({@code min(topK, classes)})} */
    public int topCount() {
        return topCount;
    }

    /**
     * {@return class index at that rank}
     *
     * @param rank 0 for the best
     */
    public int topIndex(int rank) {
        checkRank(rank);
        return topIndex[rank];
    }

    /**
     * {@return score at that rank}
     *
     * @param rank 0 for the best
     */
    public float topScore(int rank) {
        checkRank(rank);
        return topScore[rank];
    }

    /** {@return for windowed signals, the stream sample index just after the window; otherwise -1} */
    public long sampleIndex() {
        return sampleIndex;
    }

    private void checkRank(int rank) {
        if (rank < 0 || rank >= topCount) {
            throw new IndexOutOfBoundsException("rank " + rank + " outside [0, " + topCount + ")");
        }
    }

    /**
     * Fills the holder from raw scores.
     *
     * @param raw         source of the scores
     * @param offset      first score's element index in {@code raw}
     * @param count       number of classes
     * @param activation  applied to the scores
     * @param sampleIndex stream position, or -1
     */
    void fill(io.github.streaminfer.tensor.Tensor raw, long offset, int count, Activation activation,
              long sampleIndex) {
        if (scores.length < count) {
            scores = new float[count];
        }
        raw.getFloats(offset, scores, 0, count);
        classes = count;
        activation.apply(scores, count);
        this.sampleIndex = sampleIndex;
        rank();
    }

    private void rank() {
        topCount = Math.min(topIndex.length, classes);
        for (int r = 0; r < topCount; r++) {
            int best = -1;
            for (int i = 0; i < classes; i++) {
                if (taken(i, r)) {
                    continue;
                }
                if (best < 0 || scores[i] > scores[best]) {
                    best = i;
                }
            }
            topIndex[r] = best;
            topScore[r] = scores[best];
        }
    }

    private boolean taken(int i, int upTo) {
        for (int r = 0; r < upTo; r++) {
            if (topIndex[r] == i) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("Classification[");
        for (int r = 0; r < topCount; r++) {
            if (r > 0) {
                sb.append(", ");
            }
            sb.append(label(topIndex[r])).append('=').append(topScore[r]);
        }
        return sb.append(']').toString();
    }
}
