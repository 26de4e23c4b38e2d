package io.github.streaminfer.transport.internal.vla;

import com.fasterxml.jackson.core.io.NumberInput;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The JSON syntax {@link FrameMessageReader} reads VLA frames with, straight from a message's bytes: whitespace,
 * literals, keys from a fixed set, strings (raw, or decoded into a reused {@code char[]}), numbers as JSON's grammar
 * has them and converted as Jackson converts them, and checked skipping of any other value. Every method answers
 * false (or -1) on anything it does not read, and never throws.
 *
 * <p><b>Note:</b> not thread-safe: the state of the message being read ({@link #b}, {@link #pos}, {@link #end}) is
 * the subclass's, one instance per connection, used by one thread at a time.
 */
abstract class JsonScanner {
    /** {@link #key}: a key not among the names. */
    static final int UNKNOWN = -1;
    /** {@link #key}: not a key of the form read here. */
    static final int INVALID = -2;
    static final byte[][] NO_KEYS = {};
    static final int MAX_DEPTH = 16;
    static final int MAX_KEY = 256;
    static final int MAX_NUMBER = 64;
    /** Digits a {@code long} always holds. */
    static final int LONG_DIGITS = 18;
    static final byte[] NULL = ascii("null");
    static final byte[] TRUE = ascii("true");
    static final byte[] FALSE = ascii("false");
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class,
            ByteOrder.LITTLE_ENDIAN);
    private static final long ONES = 0x0101010101010101L;
    private static final long HIGHS = 0x8080808080808080L;
    final char[] number = new char[MAX_NUMBER];
    /** A decoded string, {@code chars[0, charCount)}, after {@link #string}. */
    char[] chars = new char[64];
    int charCount;
    /** A raw string's content, {@code b[rawFrom, rawTo)}, after {@link #rawString}. */
    int rawFrom;
    int rawTo;
    /** The number just read, {@code b[numberFrom, numberTo)}, after {@link #number}. */
    int numberFrom;
    int numberTo;
    boolean numberIsInteger;

    /** The message's bytes, {@code b[pos, end)} still to read. */
    byte[] b;
    /** The next byte to read. */
    int pos;
    /** The end of the message. */
    int end;

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    int peek() {
        return pos < end ? b[pos] : -1;
    }

    boolean consume(char c) {
        if (pos < end && b[pos] == c) {
            pos++;
            return true;
        }
        return false;
    }

    void skipWhitespace() {
        while (pos < end) {
            byte c = b[pos];
            if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
                return;
            }
            pos++;
        }
    }

    boolean colon() {
        skipWhitespace();
        if (!consume(':')) {
            return false;
        }
        skipWhitespace();
        return true;
    }

    boolean literal(byte[] word) {
        if (end - pos < word.length || !Arrays.equals(b, pos, pos + word.length, word, 0, word.length)) {
            return false;
        }
        pos += word.length;
        return true;
    }

    /**
     * A key of printable ASCII without escapes, at most {@value #MAX_KEY} bytes.
     *
     * @return its index in {@code names}, {@link #UNKNOWN}, or {@link #INVALID}
     */
    int key(byte[][] names) {
        if (!rawString() || rawTo - rawFrom > MAX_KEY) {
            return INVALID;
        }
        for (int i = 0; i < names.length; i++) {
            if (rawEquals(names[i])) {
                return i;
            }
        }
        return UNKNOWN;
    }

    /** A string of printable ASCII without escapes; its content is {@code b[rawFrom, rawTo)}. */
    boolean rawString() {
        if (!consume('"')) {
            return false;
        }
        int from = pos;
        while (pos < end) {
            // a base64 image is megabytes of such a string: eight bytes at a time while none needs a look
            while (pos + 8 <= end && plain((long) LONGS.get(b, pos))) {
                pos += 8;
            }
            for (int stop = Math.min(end, pos + 8); pos < stop; pos++) {
                byte c = b[pos];
                if (c == '"') {
                    rawFrom = from;
                    rawTo = pos++;
                    return true;
                }
                if (c < 0x20 || c == '\\' || c == 0x7F) { // bytes of non-ASCII characters are negative
                    return false;
                }
            }
        }
        return false;
    }

    /**
     * {@return true if none of the eight bytes of {@code w} ends a raw string or makes it other than printable ASCII}:
     * no quote, backslash, control character, DEL or byte above 0x7F. May answer false for a word that is plain (the
     * bytes are then looked at one by one), never true for one that is not.
     */
    private static boolean plain(long w) {
        long quote = w ^ 0x2222222222222222L;
        long backslash = w ^ 0x5C5C5C5C5C5C5C5CL;
        long del = w ^ 0x7F7F7F7F7F7F7F7FL;
        long zeroByte = ((quote - ONES) & ~quote) | ((backslash - ONES) & ~backslash) | ((del - ONES) & ~del);
        long control = (w - 0x2020202020202020L) & ~w; // a byte below 0x20 sets its high bit
        return ((zeroByte | control) & HIGHS) == 0 && (w & HIGHS) == 0;
    }

    boolean rawEquals(byte[] word) {
        return Arrays.equals(b, rawFrom, rawTo, word, 0, word.length);
    }

    /**
     * A string with any escapes and well-formed UTF-8; if {@code decode}, its characters go to {@link #chars}
     * ({@link #charCount}), and more than {@code maxChars} of them fail the read.
     */
    boolean string(boolean decode, int maxChars) {
        if (!consume('"')) {
            return false;
        }
        charCount = 0;
        while (pos < end) {
            int c = b[pos++] & 0xFF;
            if (c == '"') {
                return true;
            }
            if (c == '\\') {
                c = escape();
            } else if (c >= 0x80) {
                c = utf8(c);
            } else if (c < 0x20) {
                return false;
            }
            if (c < 0 || decode && !put(c, maxChars)) {
                return false;
            }
        }
        return false;
    }

    /** @return the character of the escape after a backslash, or -1 */
    int escape() {
        if (pos >= end) {
            return -1;
        }
        switch (b[pos++]) {
            case '"': return '"';
            case '\\': return '\\';
            case '/': return '/';
            case 'b': return '\b';
            case 'f': return '\f';
            case 'n': return '\n';
            case 'r': return '\r';
            case 't': return '\t';
            case 'u':
                if (end - pos < 4) {
                    return -1;
                }
                int v = 0;
                for (int i = 0; i < 4; i++) {
                    int h = Character.digit(b[pos++], 16);
                    if (h < 0) {
                        return -1;
                    }
                    v = v << 4 | h;
                }
                return v;
            default: return -1;
        }
    }

    /**
     * Well-formed UTF-8 only (no overlong forms, no surrogates, nothing above U+10FFFF).
     *
     * @param lead the first byte, 0x80 or above
     * @return the code point, or -1
     */
    int utf8(int lead) {
        int more;
        int min;
        int cp;
        if (lead >= 0xC2 && lead <= 0xDF) {
            more = 1;
            min = 0x80;
            cp = lead & 0x1F;
        } else if (lead >= 0xE0 && lead <= 0xEF) {
            more = 2;
            min = 0x800;
            cp = lead & 0x0F;
        } else if (lead >= 0xF0 && lead <= 0xF4) {
            more = 3;
            min = 0x10000;
            cp = lead & 0x07;
        } else {
            return -1;
        }
        if (end - pos < more) {
            return -1;
        }
        for (int i = 0; i < more; i++) {
            int c = b[pos++] & 0xFF;
            if ((c & 0xC0) != 0x80) {
                return -1;
            }
            cp = cp << 6 | (c & 0x3F);
        }
        return cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF) ? -1 : cp;
    }

    boolean put(int codePoint, int maxChars) {
        int n = Character.charCount(codePoint);
        if (charCount + n > maxChars) {
            return false;
        }
        if (charCount + n > chars.length) {
            chars = Arrays.copyOf(chars, Math.min(maxChars, chars.length * 2 + n));
        }
        charCount += Character.toChars(codePoint, chars, charCount);
        return true;
    }

    /** A number in JSON's grammar, at most {@value #MAX_NUMBER} characters: {@code b[numberFrom, numberTo)}. */
    boolean number() {
        int from = pos;
        consume('-');
        if (consume('0')) {
            // no further integer digits: JSON has no leading zeros
        } else if (!digits()) {
            return false;
        }
        boolean integer = true;
        if (consume('.')) {
            integer = false;
            if (!digits()) {
                return false;
            }
        }
        if (consume('e') || consume('E')) {
            integer = false;
            if (!consume('+')) {
                consume('-');
            }
            if (!digits()) {
                return false;
            }
        }
        numberFrom = from;
        numberTo = pos;
        numberIsInteger = integer;
        return pos - from <= MAX_NUMBER;
    }

    boolean digits() {
        int from = pos;
        while (pos < end && b[pos] >= '0' && b[pos] <= '9') {
            pos++;
        }
        return pos > from;
    }

    /** @return whether the number just read is an integer that a {@code long} holds for sure */
    boolean numberIsLong() {
        int digits = numberTo - numberFrom - (b[numberFrom] == '-' ? 1 : 0);
        return numberIsInteger && digits <= LONG_DIGITS;
    }

    long longValue() {
        boolean negative = b[numberFrom] == '-';
        long v = 0;
        for (int i = negative ? numberFrom + 1 : numberFrom; i < numberTo; i++) {
            v = v * 10 + (b[i] - '0');
        }
        return negative ? -v : v;
    }

    /** The number just read as the tree holds it: an integer's {@code long}, else the correctly rounded double. */
    double doubleValue() {
        if (numberIsLong()) {
            return longValue();
        }
        int n = numberTo - numberFrom;
        for (int i = 0; i < n; i++) {
            number[i] = (char) b[numberFrom + i];
        }
        return NumberInput.parseDouble(number, 0, n, true);
    }

    /** Any JSON value, checked and skipped. */
    boolean skipValue(int depth) {
        if (depth > MAX_DEPTH) {
            return false;
        }
        switch (peek()) {
            case '"':
                return string(false, 0);
            case '{':
                return skipContainer('}', depth);
            case '[':
                return skipContainer(']', depth);
            case 't':
                return literal(TRUE);
            case 'f':
                return literal(FALSE);
            case 'n':
                return literal(NULL);
            default:
                return number();
        }
    }

    boolean skipContainer(char close, int depth) {
        pos++;
        skipWhitespace();
        if (consume(close)) {
            return true;
        }
        do {
            skipWhitespace();
            if (close == '}' && (key(NO_KEYS) == INVALID || !colon())) {
                return false;
            }
            if (!skipValue(depth + 1)) {
                return false;
            }
            skipWhitespace();
        } while (consume(','));
        return consume(close);
    }
}
