package io.github.streaminfer.session;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.TimeUnit;

/**
 * A session's default {@link ErrorHandler}: logs failures, at most one line per second per session, counting what it
 * suppressed, with each error's text escaped onto one line and cut short.
 *
 * <p><b>Note:</b> one instance per session, called on its worker (or the one thread that cleans up once nothing
 * else runs); not for concurrent use.
 */
final class LoggingErrorHandler implements ErrorHandler {
    /** The session's logger category, which users configure. */
    private static final Logger LOG = LoggerFactory.getLogger(StreamingInferenceSession.class);
    /** Longest error text logged; an error's message may quote what a client sent. */
    static final int MAX_LOGGED_CHARS = 500;

    private long lastLogNanos = Long.MIN_VALUE;
    private long suppressed;

    @Override
    public void onError(String sessionName, long frameId, Throwable error) {
        long now = System.nanoTime();
        if (lastLogNanos != Long.MIN_VALUE && now - lastLogNanos < TimeUnit.SECONDS.toNanos(1)) {
            suppressed++;
            return;
        }
        lastLogNanos = now;
        long s = suppressed;
        suppressed = 0;
        LOG.warn("session '{}' frame {}: {}{}", sessionName, frameId, oneLine(error.toString(), MAX_LOGGED_CHARS),
                s > 0 ? " (" + s + " similar errors suppressed)" : "");
    }

    /**
     * {@return the text on one line, cut at {@code max} characters}: control characters (line breaks included)
     * escaped, so that text a client put into an error message cannot forge or flood log lines
     */
    static String oneLine(String text, int max) {
        if (text == null) {
            return "null";
        }
        int n = Math.min(text.length(), max);
        StringBuilder b = new StringBuilder(n + 24);
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            if (c == '\\') {
                b.append("\\\\");
            } else if (c < 0x20 || (c >= 0x7F && c < 0xA0) || c == '\u2028' || c == '\u2029') {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        if (text.length() > max) {
            b.append("...(").append(text.length()).append(" chars)");
        }
        return b.toString();
    }
}
