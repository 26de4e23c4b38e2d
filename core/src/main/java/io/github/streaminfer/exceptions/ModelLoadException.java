package io.github.streaminfer.exceptions;

/**
 * A model could not be read, parsed or compiled; the message names the model and the problem.
 *
 * @since 0.1.0
 */
public class ModelLoadException extends StreamInferException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception with its cause.
     *
     * @param message what went wrong
     * @param cause   the underlying failure, may be null
     */
    public ModelLoadException(String message, Throwable cause) {
        super(message, cause);
    }

    /**
     * Creates the exception.
     *
     * @param message what went wrong
     */
    public ModelLoadException(String message) {
        super(message);
    }
}
