package io.github.streaminfer.session;

/**
 * The measured stages of one frame's trip through a session.
 *
 * @since 0.1.0
 */
public enum Stage {
    /** From {@code submit} to the worker taking the frame. */
    QUEUE_WAIT,
    /** The task writing the observation into input tensors. */
    PREPROCESS,
    /** The backend's run. */
    INFERENCE,
    /** The task decoding outputs, plus publishing the result. */
    POSTPROCESS,
    /** From {@code submit} to the result being published. */
    END_TO_END
}
