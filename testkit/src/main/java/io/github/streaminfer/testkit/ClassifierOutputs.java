package io.github.streaminfer.testkit;

import io.github.streaminfer.tensor.Tensor;

import java.util.function.UnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Checks a classifier's outputs against a plain-Java reference, row by row: output 0 holds the scores
 * ({@code [rows, classes]}), output 1 the index of the best score ({@code [rows]}), for input 0 of
 * {@code [rows, features]}. The synthetic {@code TinyMlp} that every backend's contract test runs has this shape.
 *
 * <p><b>Note:</b> stateless; safe from any thread.
 *
 * @since 0.1.0
 */
public final class ClassifierOutputs {
    private ClassifierOutputs() {
    }

    /**
     * Asserts the shapes, every score within {@code tolerance}, and every best-class index.
     *
     * @param inputs    the run's inputs; input 0 is {@code [rows, features]}
     * @param outputs   the run's outputs: scores, then best-class indices (int64)
     * @param features  values per input row
     * @param reference the scores a row should get
     * @param tolerance largest allowed difference of a score
     */
    public static void check(Tensor[] inputs, Tensor[] outputs, int features, UnaryOperator<float[]> reference,
                             float tolerance) {
        Tensor x = inputs[0];
        int rows = (int) x.dim(0);
        float[] row = new float[features];
        for (int r = 0; r < rows; r++) {
            x.getFloats((long) r * features, row, 0, features);
            float[] want = reference.apply(row);
            if (r == 0) {
                assertThat(outputs[0].shape()).containsExactly(rows, want.length);
                assertThat(outputs[1].shape()).containsExactly(rows);
            }
            int best = 0;
            for (int k = 0; k < want.length; k++) {
                assertThat(outputs[0].getFloat((long) r * want.length + k)).as("y[%d][%d]", r, k)
                        .isCloseTo(want[k], within(tolerance));
                if (want[k] > want[best]) {
                    best = k;
                }
            }
            assertThat(outputs[1].getLong(r)).as("cls[%d]", r).isEqualTo(best);
        }
    }
}
