package io.github.streaminfer.transport.internal.http;

import java.util.Collection;

/**
 * Makes client-supplied text (observation keys, dtypes, prompts) safe to put into a log line or an error message:
 * every control character, including line and paragraph separators, is escaped as {@code \n}, {@code \r},
 * {@code \t} or {@code \}{@code uXXXX}, a backslash is doubled, and the result is cut at a length limit with a note
 * of how long the original was. A client therefore cannot start a new log line or flood one.
 *
 * <p><b>Note:</b> stateless and thread-safe.
 */
public final class ClientText {
    /** Default limit for one quoted value. */
    public static final int DEFAULT_MAX_CHARS = 64;
    /** How many entries of a collection {@link #list} shows. */
    public static final int MAX_LIST_ENTRIES = 8;

    private ClientText() {
    }

    /**
     * {@return the text, escaped and cut at {@link #DEFAULT_MAX_CHARS} characters}, or {@code null} as the word.
     *
     * @param text client-supplied text, may be null
     */
    public static String safe(String text) {
        return safe(text, DEFAULT_MAX_CHARS);
    }

    /**
     * {@return the text, escaped and cut at {@code maxChars} characters of the original}; a cut text ends with
     * {@code ...(N chars)}.
     *
     * @param text     client-supplied text, may be null
     * @param maxChars characters of the original to keep, {@code >= 0}
     */
    public static String safe(String text, int maxChars) {
        if (text == null) {
            return "null";
        }
        int n = Math.min(text.length(), maxChars);
        if (n > 0 && n < text.length() && Character.isHighSurrogate(text.charAt(n - 1))) {
            n--; // never cut a pair in two
        }
        StringBuilder b = new StringBuilder(n + 16);
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            switch (c) {
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                case '\\' -> b.append("\\\\");
                default -> {
                    if (c < 0x20 || (c >= 0x7F && c < 0xA0) || c == '\u2028' || c == '\u2029'
                            || Character.isSurrogate(c) && !validPair(text, i)) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        if (text.length() > maxChars) {
            b.append("...(").append(text.length()).append(" chars)");
        }
        return b.toString();
    }

    private static boolean validPair(String s, int i) {
        char c = s.charAt(i);
        if (Character.isHighSurrogate(c)) {
            return i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
        }
        return i > 0 && Character.isHighSurrogate(s.charAt(i - 1));
    }

    /**
     * {@return the first {@link #MAX_LIST_ENTRIES} entries, each quoted and escaped, as {@code ['a', 'b', ...]}},
     * with a count of the rest.
     *
     * @param entries client-supplied texts
     */
    public static String list(Collection<String> entries) {
        StringBuilder b = new StringBuilder("[");
        int shown = 0;
        for (String e : entries) {
            if (shown == MAX_LIST_ENTRIES) {
                b.append(", ... ").append(entries.size() - shown).append(" more");
                break;
            }
            if (shown > 0) {
                b.append(", ");
            }
            b.append('\'').append(safe(e)).append('\'');
            shown++;
        }
        return b.append(']').toString();
    }
}
