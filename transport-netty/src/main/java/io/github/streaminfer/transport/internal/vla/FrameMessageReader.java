package io.github.streaminfer.transport.internal.vla;

import io.github.streaminfer.transport.internal.http.ImageHeaders;
import io.github.streaminfer.transport.internal.http.Json;
import io.github.streaminfer.transport.internal.http.ProtocolException;
import com.fasterxml.jackson.core.io.NumberInput;
import io.netty.buffer.ByteBuf;
import io.netty.util.concurrent.FastThreadLocal;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Reads VLA {@code frame} and {@code frame_metadata} messages of the shape clients send straight from the message's
 * bytes into a pooled {@link VlaFramePool.Slot}: no tree and no strings for field names; the image's base64 is
 * decoded from the message into the slot's buffer, the state's numbers into its arrays, and the instruction is kept
 * while it does not change. A steady stream of frames allocates nothing here.
 *
 * <p>It is strict and says no rather than guess. It reads only well-formed JSON (keys without escapes, at most
 * {@value #MAX_DEPTH} levels) whose known fields have the types and values the protocol allows: {@code type} is
 * {@code frame} or {@code frame_metadata}, {@code image} canonical base64 or an image data URL without escapes that
 * decodes to a JPEG or PNG within the limits, {@code frame_id} an integer or a string of at most 128 characters,
 * {@code frameNumber} an integer, {@code format} {@code jpeg}, {@code jpg} or {@code png}, {@code instruction} a
 * string of at most 4096 characters, {@code robot_state} an object whose {@code pose} and {@code velocity} are arrays
 * of finite numbers within the state limits; any of them may be {@code null} but {@code type} and a frame's
 * {@code image}; other fields are skipped. Every other message, whatever is wrong or merely unusual in it, is
 * {@link #NOT_HANDLED}: the handler then parses it as a tree ({@link Json#parseObject}) and validates it, which is
 * where every error message comes from. For every message read here the tree path builds the same frame (numbers
 * are converted as Jackson converts them: integers through {@code long}, the others correctly rounded).
 *
 * <p><b>Note:</b> one instance per connection, used on its event loop. Messages that are not heap buffers are copied
 * into a scratch array, one per event-loop thread, as large as the largest message that thread has read up to
 * {@value VlaFramePool.Slot#RETAINED} bytes (a larger message is copied into an array of its own).
 */
final class FrameMessageReader {
    static final int NOT_HANDLED = 0;
    static final int FRAME = 1;
    static final int METADATA = 2;

    private static final int MAX_DEPTH = 16;
    private static final int MAX_KEY = 256;
    private static final int MAX_NUMBER = 64;
    private static final int MAX_INSTRUCTION = 4096;
    private static final int MAX_TEXT_ID = 128;
    /** Digits a {@code long} always holds. */
    private static final int LONG_DIGITS = 18;

    private static final int UNKNOWN = -1;
    private static final int INVALID = -2;
    private static final int TYPE = 0;
    private static final int IMAGE = 1;
    private static final int INSTRUCTION = 2;
    private static final int ROBOT_STATE = 3;
    private static final int FRAME_ID = 4;
    private static final int FRAME_NUMBER = 5;
    private static final int FORMAT = 6;
    private static final byte[][] MESSAGE_KEYS = {ascii("type"), ascii("image"), ascii("instruction"),
        ascii("robot_state"), ascii("frame_id"), ascii("frameNumber"), ascii("format")};
    private static final int POSE = 0;
    private static final byte[][] STATE_KEYS = {ascii("pose"), ascii("velocity")};
    private static final byte[][] NO_KEYS = {};
    private static final byte[] FRAME_TYPE = ascii("frame");
    private static final byte[] METADATA_TYPE = ascii("frame_metadata");
    private static final byte[][] FORMATS = {ascii("jpeg"), ascii("jpg"), ascii("png")};
    private static final byte[] NULL = ascii("null");
    private static final byte[] TRUE = ascii("true");
    private static final byte[] FALSE = ascii("false");

    private static final FastThreadLocal<byte[]> SCRATCH = new FastThreadLocal<>();

    private final int maxImageBytes;
    private final long maxImagePixels;
    private final int maxStateLength;
    private final int maxStateValues;
    private final char[] number = new char[MAX_NUMBER];
    private char[] chars = new char[64];
    private int charCount;
    private float[] floats = new float[16];
    private String lastInstruction = "";

    // the message being read
    private byte[] b;
    private int pos;
    private int end;
    private int seen;
    private int type;
    private int rawFrom;
    private int rawTo;
    private int imageFrom;
    private int imageTo;
    private boolean hasFrameNumber;
    private long frameNumber;
    private boolean hasPose;
    private boolean hasVelocity;
    private int numberFrom;
    private int numberTo;
    private boolean numberIsInteger;

    /**
     * @param maxImageBytes  largest decoded image
     * @param maxImagePixels largest width × height
     * @param maxStateLength longest pose + velocity (0: no limit but {@code maxStateValues} each)
     * @param maxStateValues longest pose, and longest velocity
     */
    FrameMessageReader(int maxImageBytes, long maxImagePixels, int maxStateLength, int maxStateValues) {
        this.maxImageBytes = maxImageBytes;
        this.maxImagePixels = maxImagePixels;
        this.maxStateLength = maxStateLength;
        this.maxStateValues = maxStateValues;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * @param message a text message (not released)
     * @param into    receives the frame: for {@link #FRAME} image (decoded and probed), instruction, state and the
     *                client's id; for {@link #METADATA} all of it but the image. Left in an unspecified state when
     *                the message is not handled.
     * @return {@link #FRAME}, {@link #METADATA}, or {@link #NOT_HANDLED}
     */
    int read(ByteBuf message, VlaFramePool.Slot into) {
        load(message);
        try {
            return readMessage(into);
        } finally {
            b = null;
        }
    }

    private void load(ByteBuf message) {
        int n = message.readableBytes();
        if (message.hasArray()) {
            b = message.array();
            pos = message.arrayOffset() + message.readerIndex();
            end = pos + n;
            return;
        }
        byte[] scratch = SCRATCH.get();
        if (scratch == null || scratch.length < n) {
            int grown = scratch == null ? 1024 : scratch.length + (scratch.length >> 1);
            scratch = new byte[Math.max(n, Math.min(grown, VlaFramePool.Slot.RETAINED))];
            if (scratch.length <= VlaFramePool.Slot.RETAINED) {
                SCRATCH.set(scratch); // a larger message gets an array of its own
            }
        }
        message.getBytes(message.readerIndex(), scratch, 0, n);
        b = scratch;
        pos = 0;
        end = n;
    }

    private int readMessage(VlaFramePool.Slot into) {
        seen = 0;
        type = NOT_HANDLED;
        hasFrameNumber = false;
        hasPose = false;
        hasVelocity = false;
        into.noId();
        into.instruction = "";
        skipWhitespace();
        if (!consume('{')) {
            return NOT_HANDLED;
        }
        skipWhitespace();
        if (!consume('}')) {
            do {
                skipWhitespace();
                int key = key(MESSAGE_KEYS);
                if (key == INVALID || !colon() || !messageField(key, into)) {
                    return NOT_HANDLED;
                }
                skipWhitespace();
            } while (consume(','));
            if (!consume('}')) {
                return NOT_HANDLED;
            }
        }
        skipWhitespace();
        if (pos != end) {
            return NOT_HANDLED;
        }
        if (!hasPose) {
            into.pose(0);
        }
        if (!hasVelocity) {
            into.velocity(0);
        }
        if (type == FRAME) {
            if ((seen & (1 << IMAGE)) == 0 || !decodeImage(into)) {
                return NOT_HANDLED;
            }
        } else if (type == METADATA) {
            if (!into.hasId() && hasFrameNumber) {
                into.id(frameNumber);
            }
        } else {
            return NOT_HANDLED;
        }
        if (maxStateLength > 0 && into.stateLength() > maxStateLength) {
            return NOT_HANDLED;
        }
        return type;
    }

    private boolean messageField(int key, VlaFramePool.Slot into) {
        if (key == UNKNOWN) {
            return skipValue(2);
        }
        if ((seen & (1 << key)) != 0) {
            return false; // a repeated field: the tree keeps the last one, this reader does not bother
        }
        seen |= 1 << key;
        switch (key) {
            case TYPE:
                if (!rawString()) {
                    return false;
                }
                type = rawEquals(FRAME_TYPE) ? FRAME : rawEquals(METADATA_TYPE) ? METADATA : NOT_HANDLED;
                return type != NOT_HANDLED;
            case IMAGE:
                if (!rawString()) {
                    return false;
                }
                imageFrom = rawFrom;
                imageTo = rawTo;
                return true;
            case INSTRUCTION:
                if (peek() == 'n') {
                    return literal(NULL);
                }
                if (!string(true, MAX_INSTRUCTION)) {
                    return false;
                }
                into.instruction = instruction();
                return true;
            case ROBOT_STATE:
                return peek() == 'n' ? literal(NULL) : robotState(into);
            case FRAME_ID:
                return frameId(into);
            case FRAME_NUMBER:
                if (peek() == 'n') {
                    return literal(NULL);
                }
                if (!number() || !numberIsLong()) {
                    return false;
                }
                hasFrameNumber = true;
                frameNumber = longValue();
                return true;
            default: // FORMAT
                if (peek() == 'n') {
                    return literal(NULL);
                }
                return rawString() && (rawEquals(FORMATS[0]) || rawEquals(FORMATS[1]) || rawEquals(FORMATS[2]));
        }
    }

    private boolean frameId(VlaFramePool.Slot into) {
        int c = peek();
        if (c == 'n') {
            return literal(NULL);
        }
        if (c == '"') {
            if (!string(true, MAX_TEXT_ID)) {
                return false;
            }
            into.id(new String(chars, 0, charCount));
            return true;
        }
        if (!number() || !numberIsLong()) {
            return false;
        }
        into.id(longValue());
        return true;
    }

    /** The instruction just decoded, as the previous frame's {@code String} when it has not changed. */
    private String instruction() {
        String last = lastInstruction;
        boolean same = last.length() == charCount;
        for (int i = 0; same && i < charCount; i++) {
            same = last.charAt(i) == chars[i];
        }
        if (!same) {
            lastInstruction = new String(chars, 0, charCount);
        }
        return lastInstruction;
    }

    private boolean robotState(VlaFramePool.Slot into) {
        if (!consume('{')) {
            return false;
        }
        int seenState = 0;
        skipWhitespace();
        if (consume('}')) {
            return true;
        }
        do {
            skipWhitespace();
            int key = key(STATE_KEYS);
            if (key == INVALID || !colon()) {
                return false;
            }
            if (key == UNKNOWN) {
                if (!skipValue(3)) {
                    return false;
                }
            } else {
                if ((seenState & (1 << key)) != 0) {
                    return false;
                }
                seenState |= 1 << key;
                int n = floatArray();
                if (n < 0) {
                    return false;
                }
                if (key == POSE) {
                    hasPose = true;
                    System.arraycopy(floats, 0, into.pose(n), 0, n);
                } else {
                    hasVelocity = true;
                    System.arraycopy(floats, 0, into.velocity(n), 0, n);
                }
            }
            skipWhitespace();
        } while (consume(','));
        return consume('}');
    }

    /** @return how many finite numbers were read into {@link #floats}, or -1 */
    private int floatArray() {
        if (peek() == 'n') {
            return literal(NULL) ? 0 : -1;
        }
        if (!consume('[')) {
            return -1;
        }
        int n = 0;
        skipWhitespace();
        if (consume(']')) {
            return 0;
        }
        do {
            skipWhitespace();
            if (n == maxStateValues || !number()) {
                return -1;
            }
            double d = doubleValue();
            float f = (float) d;
            if (!Double.isFinite(d) || !Float.isFinite(f)) {
                return -1;
            }
            if (n == floats.length) {
                floats = Arrays.copyOf(floats, n * 2);
            }
            floats[n++] = f;
            skipWhitespace();
        } while (consume(','));
        return consume(']') ? n : -1;
    }

    private boolean decodeImage(VlaFramePool.Slot into) {
        int from = ImageHeaders.base64Start(b, imageFrom, imageTo);
        if (from < 0) {
            return false;
        }
        int n = imageTo - from;
        if (n == 0 || (long) n / 4 * 3 > maxImageBytes) {
            return false;
        }
        int length = ImageHeaders.decodeBase64(b, from, imageTo, into.imageBuffer(n / 4 * 3));
        if (length < 0) {
            return false;
        }
        into.imageLength(length);
        try {
            into.probeImage(maxImagePixels);
        } catch (ProtocolException e) {
            return false; // the tree path reports it
        }
        return true;
    }

    // ------------------------------------------------------------------------------------------------ JSON syntax

    private int peek() {
        return pos < end ? b[pos] : -1;
    }

    private boolean consume(char c) {
        if (pos < end && b[pos] == c) {
            pos++;
            return true;
        }
        return false;
    }

    private void skipWhitespace() {
        while (pos < end) {
            byte c = b[pos];
            if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
                return;
            }
            pos++;
        }
    }

    private boolean colon() {
        skipWhitespace();
        if (!consume(':')) {
            return false;
        }
        skipWhitespace();
        return true;
    }

    private boolean literal(byte[] word) {
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
    private int key(byte[][] names) {
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
    private boolean rawString() {
        if (!consume('"')) {
            return false;
        }
        int from = pos;
        for (; pos < end; pos++) {
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
        return false;
    }

    private boolean rawEquals(byte[] word) {
        return Arrays.equals(b, rawFrom, rawTo, word, 0, word.length);
    }

    /**
     * A string with any escapes and well-formed UTF-8; if {@code decode}, its characters go to {@link #chars}
     * ({@link #charCount}), and more than {@code maxChars} of them fail the read.
     */
    private boolean string(boolean decode, int maxChars) {
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
    private int escape() {
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
    private int utf8(int lead) {
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

    private boolean put(int codePoint, int maxChars) {
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
    private boolean number() {
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

    private boolean digits() {
        int from = pos;
        while (pos < end && b[pos] >= '0' && b[pos] <= '9') {
            pos++;
        }
        return pos > from;
    }

    /** @return whether the number just read is an integer that a {@code long} holds for sure */
    private boolean numberIsLong() {
        int digits = numberTo - numberFrom - (b[numberFrom] == '-' ? 1 : 0);
        return numberIsInteger && digits <= LONG_DIGITS;
    }

    private long longValue() {
        boolean negative = b[numberFrom] == '-';
        long v = 0;
        for (int i = negative ? numberFrom + 1 : numberFrom; i < numberTo; i++) {
            v = v * 10 + (b[i] - '0');
        }
        return negative ? -v : v;
    }

    /** The number just read as the tree holds it: an integer's {@code long}, else the correctly rounded double. */
    private double doubleValue() {
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
    private boolean skipValue(int depth) {
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

    private boolean skipContainer(char close, int depth) {
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
