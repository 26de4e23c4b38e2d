package io.github.streaminfer.session;

/**
 * Hands the failures a session survives to its {@link ErrorHandler}, under the session's name, and keeps a handler
 * that breaks its contract and throws from taking the worker down with it.
 *
 * <p><b>Note:</b> called on the session's worker (or the one thread that cleans up once nothing else runs), like
 * the handler it wraps.
 */
final class ErrorReporter {
    /** The handler itself, for the few callers that let its failure propagate. */
    final ErrorHandler handler;
    private final String sessionName;

    ErrorReporter(ErrorHandler handler, String sessionName) {
        this.handler = handler;
        this.sessionName = sessionName;
    }

    /**
     * Passes a failure to the handler, ignoring what the handler throws.
     *
     * @param frameId the frame concerned, or -1 if none
     * @param error   what went wrong
     */
    void report(long frameId, Throwable error) {
        try {
            handler.onError(sessionName, frameId, error);
        } catch (RuntimeException ignored) {
            // an error handler must not throw; nothing sensible is left to do with its failure
        }
    }

    /**
     * Passes a failure to the handler and lets what the handler throws propagate.
     *
     * @param frameId the frame concerned, or -1 if none
     * @param error   what went wrong
     */
    void reportUnguarded(long frameId, Throwable error) {
        handler.onError(sessionName, frameId, error);
    }
}
