package io.github.streaminfer.exceptions;

/**
 * An observation does not fit the model: wrong shape, wrong type, or values the model must not see. The message
 * names the input, what was expected and what was given. The frame fails; the session keeps running.
 *
 * @since 0.1.0
 */
public class InvalidInputException extends StreamInferException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message which input, expected what, got what
     */
    public InvalidInputException(String message) {
        super(message);
    }

    /**
     * {@return the exception}
     *
     * @param input    the model input or observation field concerned
     * @param expected what the model expects, e.g. {@code float32[1, 16, 200]}
     * @param actual   what was given
     */
    public static InvalidInputException mismatch(String input, String expected, String actual) {
        return new InvalidInputException("input '" + input + "': expected " + expected + ", got " + actual);
    }
}
