package io.github.streaminfer.exceptions;

/**
 * A backend's native runtime cannot be used on this machine; the message says why.
 *
 * @since 0.1.0
 */
public class BackendUnavailableException extends StreamInferException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception with its cause.
     *
     * @param message what went wrong
     * @param cause   the underlying failure, may be null
     */
    public BackendUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }

    /**
     * Creates the exception.
     *
     * @param message what went wrong
     */
    public BackendUnavailableException(String message) {
        super(message);
    }
}
