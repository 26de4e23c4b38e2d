package io.github.streaminfer.action;

/**
 * Result of handing an action to {@link ActionController#offer}; the hot path reports, it does not throw.
 *
 * @since 0.1.0
 */
public enum OfferStatus {
    /** Queued for the control loop. */
    ACCEPTED,
    /** Rejected: a value was NaN or infinite. Counts toward the consecutive-invalid emergency stop. */
    REJECTED_NON_FINITE,
    /** Rejected: wrong number of values for the dimension, or more steps than the maximum horizon. */
    REJECTED_DIMENSION,
    /** Rejected: the controller is closed. */
    CLOSED;

    /** {@return true if the action was queued} */
    public boolean accepted() {
        return this == ACCEPTED;
    }
}
