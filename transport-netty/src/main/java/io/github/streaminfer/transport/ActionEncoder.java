package io.github.streaminfer.transport;

import io.github.streaminfer.session.InferenceResult;
import io.github.streaminfer.task.ActionChunk;
import io.github.streaminfer.task.FloatVector;

/**
 * Maps a session's result value to the action fields of the VLA and openpi protocols.
 *
 * <p>An encoder may keep per-session state (an action controller, a smoother): the transport calls
 * {@link #forSession} once per session and uses what it returns for that session only.
 *
 * <p><b>Note:</b> called on the session's worker for every successful result; must not block or keep {@code value}.
 *
 * @param <O> result value type
 * @since 0.1.0
 */
@FunctionalInterface
public interface ActionEncoder<O> {

    /**
     * @param value the decoded result
     * @param out   the fields to fill (cleared before the call)
     */
    void encode(O value, ActionOut out);

    /**
     * The variant the transport calls, with the whole result (frame id, capture time); the default passes the value
     * to {@link #encode(Object, ActionOut)}.
     *
     * @param result the successful result
     * @param out    the fields to fill (cleared before the call)
     */
    default void encode(InferenceResult<O> result, ActionOut out) {
        encode(result.value(), out);
    }

    /**
     * @param request the session's request
     * @return the encoder for that session (default: this stateless one)
     */
    default ActionEncoder<O> forSession(SessionRequest request) {
        return this;
    }

    /**
     * For a policy's {@link ActionChunk} without action processing: one step is an action, several a chunk.
     *
     * @return the encoder
     */
    static ActionEncoder<ActionChunk> actionChunk() {
        return (c, out) -> out.chunk(c.array(), 0, c.horizon(), c.dim());
    }

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
