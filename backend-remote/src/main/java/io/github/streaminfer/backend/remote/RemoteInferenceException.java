package io.github.streaminfer.backend.remote;

import io.github.streaminfer.exceptions.InferenceException;

/**
 * A call to the inference server failed; {@link #reason()} says how, the message says it in words with the
 * endpoint and model. The model stays usable: the next run tries again.
 */
public class RemoteInferenceException extends InferenceException {
    private static final long serialVersionUID = 1L;

    /** How a remote call failed. */
    public enum Reason {
        /** No connection to the server (refused, reset, name not resolved, TLS handshake failed). */
        UNREACHABLE,
        /** The server did not answer within the deadline. */
        DEADLINE_EXCEEDED,
        /** The server does not know the model or version. */
        MODEL_NOT_FOUND,
        /** The model is known but not ready. */
        MODEL_NOT_READY,
        /** The server refused the request (wrong tensor name, type or shape). */
        REJECTED,
        /** The server refused the credentials. */
        UNAUTHENTICATED,
        /** The answer does not fit the model's metadata (an output's type or shape is not the one announced). */
        BAD_RESPONSE,
        /** The model already has {@link RemoteConfig#maxInFlight()} requests in flight. */
        TOO_MANY_IN_FLIGHT,
        /** Anything else the server reported. */
        SERVER_ERROR
    }

    private final Reason reason;

    /**
     * Creates the exception.
     *
     * @param reason  how the call failed
     * @param message what failed, in words
     * @param cause   the transport's exception, may be null
     */
    public RemoteInferenceException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    /** {@return how the call failed} */
    public Reason reason() {
        return reason;
    }
}
