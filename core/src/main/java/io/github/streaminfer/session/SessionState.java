package io.github.streaminfer.session;

/** Lifecycle of a session. */
public enum SessionState {
    /** Accepting and inferring frames. */
    RUNNING,
    /** Stopped after too many consecutive backend failures; see {@link StreamingInferenceSession#failureCause()}. */
    FAILED,
    /** Closed by {@link StreamingInferenceSession#close()}. */
    CLOSED
}
