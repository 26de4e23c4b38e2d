package io.github.streaminfer.transport.internal.vla;

import io.github.streaminfer.transport.internal.http.EncodedImages;
import io.github.streaminfer.transport.internal.http.Json;
import io.github.streaminfer.transport.internal.http.ProtocolException;
import io.netty.buffer.ByteBuf;
import io.netty.util.concurrent.FastThreadLocal;

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
 * <p><b>Note:</b> one instance per connection, used by one thread at a time: its event loop, or a parse thread while
 * the event loop holds the connection's messages ({@link LargeText}). Messages that are not heap buffers are copied
 * into a scratch array, one per thread, as large as the largest message that thread has read up to
 * {@value VlaFramePool.Slot#RETAINED} bytes (a larger message is copied into an array of its own).
 */
final class FrameMessageReader extends JsonScanner {
    static final int NOT_HANDLED = 0;
    static final int FRAME = 1;
    static final int METADATA = 2;

    private static final int MAX_INSTRUCTION = 4096;
    private static final int MAX_TEXT_ID = 128;

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
    private static final byte[] FRAME_TYPE = ascii("frame");
    private static final byte[] METADATA_TYPE = ascii("frame_metadata");
    private static final byte[][] FORMATS = {ascii("jpeg"), ascii("jpg"), ascii("png")};

    private static final FastThreadLocal<byte[]> SCRATCH = new FastThreadLocal<>();

    private final int maxImageBytes;
    private final long maxImagePixels;
    private final int maxStateLength;
    private final int maxStateValues;
    private float[] floats = new float[16];
    private String lastInstruction = "";

    // the message being read
    private int seen;
    private int type;
    private int imageFrom;
    private int imageTo;
    private boolean hasFrameNumber;
    private long frameNumber;
    private boolean hasPose;
    private boolean hasVelocity;

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

    /**
     * @param message a text message (not released)
     * @param into    receives the frame: for {@link #FRAME} image (decoded and probed), instruction, state and the
     *                client's id; for {@link #METADATA} all of it but the image. Left in an unspecified state when
     *                the message is not handled.
     * @return {@link #FRAME}, {@link #METADATA}, or {@link #NOT_HANDLED}
     */
    int read(ByteBuf message, VlaFramePool.Slot into) {
        load(message, false);
        try {
            return readMessage(into);
        } finally {
            b = null;
        }
    }

    /**
     * As {@link #read}, on a parse thread: the thread keeps its scratch array however large, so that a stream of large
     * messages is not a stream of large allocations (the parse threads are few, each holds at most one message).
     */
    int readLarge(ByteBuf message, VlaFramePool.Slot into) {
        load(message, true);
        try {
            return readMessage(into);
        } finally {
            b = null;
        }
    }

    private void load(ByteBuf message, boolean keepAnySize) {
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
            if (keepAnySize || scratch.length <= VlaFramePool.Slot.RETAINED) {
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
        int from = EncodedImages.base64Start(b, imageFrom, imageTo);
        if (from < 0) {
            return false;
        }
        int n = imageTo - from;
        if (n == 0 || (long) n / 4 * 3 > maxImageBytes) {
            return false;
        }
        int length = EncodedImages.decodeBase64(b, from, imageTo, into.imageBuffer(n / 4 * 3));
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
}
