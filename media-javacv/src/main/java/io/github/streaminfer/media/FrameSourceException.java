package io.github.streaminfer.media;

import io.github.streaminfer.exceptions.StreamInferException;

/**
 * A frame source cannot be opened or read: missing device or file, unsupported or corrupt content.
 *
 * @since 0.1.0
 */
public class FrameSourceException extends StreamInferException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message which source, what is wrong
     */
    public FrameSourceException(String message) {
        super(message);
    }

    /**
     * Creates the exception with its cause.
     *
     * @param message which source, what is wrong
     * @param cause   the underlying failure
     */
    public FrameSourceException(String message, Throwable cause) {
        super(message, cause);
    }
}
