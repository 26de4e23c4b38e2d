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
    END_TO_END,
    /**
     * The part of {@link #INFERENCE} a remote backend spent waiting on its server: from sending the request to the
     * whole response having arrived (see {@link io.github.streaminfer.backend.LoadedModel#lastRunRemoteNanos()}).
     * Empty for models that run in this process.
     */
    NETWORK
}
