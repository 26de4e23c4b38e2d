package io.github.streaminfer.transport.internal.http;

/**
 * The contract every fuzz target of the wire decoders checks on a refusal: a {@link ProtocolException} whose code and
 * message are this project's own words, one line, bounded, and free of the parsing libraries' internals (issue 11,
 * finding 10: Jackson's and msgpack's text must never reach a client).
 */
public final class WireErrors {
    /** Longest message a client may be sent for one bad input. */
    static final int MAX_MESSAGE = 1024;
    private static final String[] INTERNALS = {"com.fasterxml", "jackson", "org.msgpack", "MessagePack", "ValueType",
        "StreamReadConstraints", "java.lang.", "io.netty", "Exception"};

    private WireErrors() {
    }

    /**
     * @param e     the refusal
     * @param input the bytes refused: a library's name that the client itself sent may be quoted back (escaped)
     */
    public static void requireClientSafe(ProtocolException e, byte[] input) {
        String sent = new String(input, java.nio.charset.StandardCharsets.ISO_8859_1);
        String m = e.getMessage();
        if (e.code() == null || e.code().isBlank() || m == null || m.isBlank()) {
            throw new AssertionError("a refusal without a code or message", e);
        }
        if (m.length() > MAX_MESSAGE) {
            throw new AssertionError("a refusal of " + m.length() + " characters; allowed: at most " + MAX_MESSAGE, e);
        }
        for (int i = 0; i < m.length(); i++) {
            if (m.charAt(i) < 0x20) {
                throw new AssertionError("a refusal with control character " + (int) m.charAt(i) + " at " + i, e);
            }
        }
        // escapes of the client's bytes are ours: "\u009c" followed by the client's "om.x" is not "com.x"; and a
        // quoted media type is lower-cased, so the client's "javA.lang" comes back as "java.lang"
        String text = m.replaceAll("\\\\u[0-9a-fA-F]{4}", " ").toLowerCase(java.util.Locale.ROOT);
        String sentLower = sent.toLowerCase(java.util.Locale.ROOT);
        for (String internal : INTERNALS) {
            // a quote of the client's own text may end in the "..." of truncation, which completes "java.lang."
            String own = internal.endsWith(".") ? internal.substring(0, internal.length() - 1) : internal;
            String marker = internal.toLowerCase(java.util.Locale.ROOT);
            if (text.contains(marker) && !sentLower.contains(own.toLowerCase(java.util.Locale.ROOT))) {
                throw new AssertionError("a refusal that quotes library internals ('" + internal + "'): " + m, e);
            }
        }
    }
}
