package io.github.streaminfer.transport;

/**
 * WebSocket close codes the server uses, each with a reason text. Codes 4000-4999 are application codes and mirror
 * the HTTP status they correspond to.
 *
 * @since 0.1.0
 */
public final class CloseCodes {
    /** The client asked to close (or the stream ended); final stats were sent. */
    public static final int NORMAL = 1000;
    /** The server is shutting down; accepted frames were finished and final stats sent. */
    public static final int GOING_AWAY = 1001;
    /** A protocol violation at the WebSocket level (e.g. a malformed frame). */
    public static final int PROTOCOL_ERROR = 1002;
    /** A text message that is not valid UTF-8. */
    public static final int INVALID_PAYLOAD = 1007;
    /** The client broke a rate the server sets (more WebSocket control frames per second than allowed). */
    public static final int POLICY_VIOLATION = 1008;
    /** A message exceeded the server's frame limit. */
    public static final int MESSAGE_TOO_BIG = 1009;
    /** The server failed unexpectedly; the reason text says what failed, never how. */
    public static final int INTERNAL_ERROR = 1011;
    /** The API key was missing or wrong. */
    public static final int UNAUTHORIZED = 4401;
    /** The key is valid but its tier forbids this (too many concurrent sessions). */
    public static final int FORBIDDEN = 4403;
    /** No {@code auth} message in time, or the connection stayed idle too long. */
    public static final int TIMEOUT = 4408;

    private CloseCodes() {
    }
}
