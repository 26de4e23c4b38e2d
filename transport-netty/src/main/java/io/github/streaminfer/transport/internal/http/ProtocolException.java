package io.github.streaminfer.transport.internal.http;

/**
 * A client sent something the protocol does not allow. The message goes to the client as is: it names the field,
 * the value and what is allowed, and never contains internals.
 */
public final class ProtocolException extends Exception {
    private static final long serialVersionUID = 1L;

    /** Short machine-readable reason, e.g. {@code invalid_json}. */
    private final String code;

    /**
     * @param code    machine-readable reason
     * @param message human-readable reason
     */
    public ProtocolException(String code, String message) {
        super(message, null, false, false);
        this.code = code;
    }

    /** @return the machine-readable reason */
    public String code() {
        return code;
    }
}
