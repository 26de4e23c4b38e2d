package io.github.streaminfer.session;

/**
 * What {@link StreamingInferenceSession#submit} did with an observation. Submitting never throws for a full queue
 * and never blocks unless the ingress policy is {@link IngressPolicy.Kind#BLOCK}.
 *
 * @since 0.1.0
 */
public enum SubmitStatus {
    /** Queued; it will be inferred unless a newer frame replaces it first. */
    ACCEPTED,
    /** Queued, and an older queued frame was dropped to make room (conflation or drop-oldest). */
    REPLACED_OLDEST,
    /** Not queued: the queue is full and the policy rejects the newest frame. */
    REJECTED_FULL,
    /** Not queued: the frame arrived faster than the session's {@code maxFps}. */
    RATE_LIMITED,
    /** Not queued: the session is closed or has failed. */
    CLOSED;

    /** {@return true if the frame was queued} */
    public boolean isAccepted() {
        return this == ACCEPTED || this == REPLACED_OLDEST;
    }
}
