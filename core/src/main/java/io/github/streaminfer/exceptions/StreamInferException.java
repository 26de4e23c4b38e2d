package io.github.streaminfer.exceptions;

/**
 * Base class of StreamInfer's runtime exceptions.
 *
 * @since 0.1.0
 */
public class StreamInferException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception with its cause.
     *
     * @param message what went wrong
     * @param cause   the underlying failure, may be null
     */
    public StreamInferException(String message, Throwable cause) {
        super(message, cause);
    }

    /**
     * Creates the exception.
     *
     * @param message what went wrong
     */
    public StreamInferException(String message) {
        super(message);
    }
}
