package io.github.streaminfer.session;

/**
 * Receives failures a session survives: frames that failed (invalid input, backend error), listeners that threw,
 * the failure that moved the session to {@link SessionState#FAILED}.
 *
 * <p><b>Note:</b> called on the session's worker; must not block and must not throw (what it throws is ignored).
 *
 * @since 0.1.0
 */
@FunctionalInterface
public interface ErrorHandler {

    /**
     * Receives a failure of a session; must not throw.
     *
     * @param sessionName the session's name
     * @param frameId     the frame concerned, or -1 if none
     * @param error       what went wrong
     */
    void onError(String sessionName, long frameId, Throwable error);
}
