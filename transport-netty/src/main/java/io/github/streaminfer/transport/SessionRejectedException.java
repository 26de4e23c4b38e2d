package io.github.streaminfer.transport;

/**
 * A {@link SessionFactory} refuses a request (unknown model, unsupported option, no capacity). The message is sent
 * to the client as is, so it must say what was wrong and what is allowed, and must not contain internals.
 *
 * @since 0.1.0
 */
public class SessionRejectedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** @param message what was wrong and what is allowed */
    public SessionRejectedException(String message) {
        super(message);
    }
}
