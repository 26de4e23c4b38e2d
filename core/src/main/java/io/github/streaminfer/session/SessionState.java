package io.github.streaminfer.session;

/**
 * Lifecycle of a session.
 *
 * @since 0.1.0
 */
public enum SessionState {
    /** Accepting and inferring frames. */
    RUNNING,
    /** Stopped after too many consecutive backend failures; see {@link StreamingInferenceSession#failureCause()}. */
    FAILED,
    /** Closed by {@link StreamingInferenceSession#close()}. */
    CLOSED
}
