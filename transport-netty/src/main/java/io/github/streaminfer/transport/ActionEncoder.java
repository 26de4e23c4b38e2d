package io.github.streaminfer.transport;

import io.github.streaminfer.task.FloatVector;

/**
 * Maps a session's result value to the action fields of the VLA and openpi protocols.
 *
 * <p><b>Note:</b> called on the session's worker for every successful result; must not block or keep {@code value}.
 *
 * @param <O> result value type
 */
@FunctionalInterface
public interface ActionEncoder<O> {

    /**
     * @param value the decoded result
     * @param out   the fields to fill (cleared before the call)
     */
    void encode(O value, ActionOut out);

    /**
     * For a plain action vector: the whole vector is one action; safety score 1, not smoothed (no action processing
     * ran).
     *
     * @return the encoder
     */
    static ActionEncoder<FloatVector> floatVector() {
        return (v, out) -> out.action(v.array(), 0, v.length());
    }

    /**
     * For a flat action chunk: {@code length / dim} steps of {@code dim} values.
     *
     * @param dim values per step
     * @return the encoder
     */
    static ActionEncoder<FloatVector> floatChunk(int dim) {
        if (dim < 1) {
            throw new IllegalArgumentException("dim is " + dim + "; allowed: >= 1");
        }
        return (v, out) -> out.chunk(v.array(), 0, Math.max(1, v.length() / dim), Math.min(dim, v.length()));
    }
}
