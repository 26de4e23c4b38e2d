package io.github.streaminfer.exceptions;

/**
 * A backend failed while running a model; the model stays usable.
 *
 * @since 0.1.0
 */
public class InferenceException extends StreamInferException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception with its cause.
     *
     * @param message what went wrong
     * @param cause   the underlying failure, may be null
     */
    public InferenceException(String message, Throwable cause) {
        super(message, cause);
    }

    /**
     * Creates the exception.
     *
     * @param message what went wrong
     */
    public InferenceException(String message) {
        super(message);
    }
}
