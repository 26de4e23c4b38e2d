package io.github.streaminfer.session;

/**
 * What a session's producers call after publishing work: wakes whatever runs the session's duty cycles (its
 * dedicated thread, its pool thread, or the executor lane it is bound to).
 *
 * <p><b>Note:</b> {@link #wake()} is safe from any thread and allocation-free once the session is bound.
 */
interface Waker {

    /** Makes sure the session's worker runs a duty cycle soon; cheap when it is already awake or scheduled. */
    void wake();
}
