package io.github.streaminfer.exceptions;

/**
 * Encoded image bytes that cannot or must not be decoded: not an image, truncated, corrupt, or larger than the
 * configured limits. Raised before any large allocation when the header already tells.
 *
 * @since 0.1.0
 */
public class InvalidImageException extends InvalidInputException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what is wrong with the image
     */
    public InvalidImageException(String message) {
        super(message);
    }
}
