package io.github.streaminfer.msgpack;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * Reads msgpack values one at a time from a byte array, without copying it: {@link #nextType()} says what comes
 * next, a {@code read...} method takes it. Collections are read as a header (their size) followed by their items
 * (a map's as key, value, key, value...), so the caller decides how much of a collection it accepts before it
 * allocates anything.
 *
 * <p>Every method checks the bytes present: a value cut short, the unused byte {@code 0xc1}, a 32-bit size of 2^31
 * or more, or a value of another type than asked for throws a {@link MsgpackException}, whose message is this
 * project's own. A read that fails for a type mismatch leaves the position at the value; a truncated read leaves it
 * after the format byte (and a size overflow after the size), where it stopped. Extension types are recognised by
 * {@link #nextType()} and read by no method.
 *
 * <p><b>Note:</b> not thread-safe; one reader per message. The array must not change while it is read, and the
 * views {@link #readPayloadView} returns share it.
 *
 * @since 0.1.0
 */
public final class MsgpackReader {
    private final byte[] data;
    private final int start;
    private final int end;
    private int pos;

    /**
     * Reads a whole array.
     *
     * @param data the message
     */
    public MsgpackReader(byte[] data) {
        this(data, 0, data.length);
    }

    /**
     * Reads part of an array.
     *
     * @param data   the bytes
     * @param offset where the message starts
     * @param length its length
     * @throws IndexOutOfBoundsException if the range is not inside {@code data}
     */
    public MsgpackReader(byte[] data, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, data.length);
        this.data = data;
        this.start = offset;
        this.end = offset + length;
        this.pos = offset;
    }

    /** {@return the bytes read so far} */
    public int position() {
        return pos - start;
    }

    /** {@return the bytes left to read} */
    public int remaining() {
        return end - pos;
    }

    /** {@return whether any byte is left} */
    public boolean hasNext() {
        return pos < end;
    }

    /**
     * {@return the type of the next value}, without reading it
     *
     * @throws MsgpackException if no byte is left, or the next is {@code 0xc1}
     */
    public MsgpackType nextType() throws MsgpackException {
        return MsgpackType.of(peek(), position());
    }

    /**
     * {@return whether the next value is an unsigned 64-bit integer} (format {@code 0xcf}), whose value may exceed
     * {@link Long#MAX_VALUE}: read it with {@link #readUnsignedLong()}
     */
    public boolean nextIsUnsigned64() {
        return pos < end && (data[pos] & 0xff) == 0xcf;
    }

    /**
     * Reads nil.
     *
     * @throws MsgpackException if the next value is not nil
     */
    public void readNil() throws MsgpackException {
        if (peek() != 0xc0) {
            throw mismatch("nil");
        }
        pos++;
    }

    /**
     * {@return the next value, a boolean}
     *
     * @throws MsgpackException if it is not a boolean
     */
    public boolean readBoolean() throws MsgpackException {
        int f = peek();
        if (f != 0xc2 && f != 0xc3) {
            throw mismatch("a boolean");
        }
        pos++;
        return f == 0xc3;
    }

    /**
     * {@return the next value, an integer of any format}
     *
     * @throws MsgpackException if it is not an integer, is cut short, or is an unsigned 64-bit value above
     *                          {@link Long#MAX_VALUE}
     */
    public long readLong() throws MsgpackException {
        int f = peek();
        if (f == 0xcf) {
            long v = readUnsignedLong();
            if (v < 0) {
                throw new MsgpackException(MsgpackException.Reason.INTEGER_OVERFLOW, position(),
                        "unsigned 64-bit integer above " + Long.MAX_VALUE + " at byte " + (position() - 9));
            }
            return v;
        }
        return readInteger(f);
    }

    /**
     * {@return the next value, an integer, as the 64 bits of an unsigned one}: a {@code uint 64} above
     * {@link Long#MAX_VALUE} comes back negative ({@link Long#toUnsignedString(long)} prints it); a negative integer
     * format comes back as is
     *
     * @throws MsgpackException if it is not an integer or is cut short
     */
    public long readUnsignedLong() throws MsgpackException {
        int f = peek();
        if (f != 0xcf) {
            return readInteger(f);
        }
        pos++;
        require(8);
        long v = getLong(pos);
        pos += 8;
        return v;
    }

    private long readInteger(int f) throws MsgpackException {
        if (f <= 0x7f) {
            pos++;
            return f;
        }
        if (f >= 0xe0) {
            pos++;
            return (byte) f;
        }
        int n;
        switch (f) {
            case 0xcc, 0xd0 -> n = 1;
            case 0xcd, 0xd1 -> n = 2;
            case 0xce, 0xd2 -> n = 4;
            case 0xd3 -> n = 8;
            default -> throw mismatch("an integer");
        }
        pos++;
        require(n);
        long v = switch (f) {
            case 0xcc -> data[pos] & 0xffL;
            case 0xcd -> getShort(pos) & 0xffffL;
            case 0xce -> getInt(pos) & 0xffffffffL;
            case 0xd0 -> data[pos];
            case 0xd1 -> getShort(pos);
            case 0xd2 -> getInt(pos);
            default -> getLong(pos);
        };
        pos += n;
        return v;
    }

    /**
     * {@return the next value, a float 32 or float 64, as a double}
     *
     * @throws MsgpackException if it is not a float or is cut short
     */
    public double readDouble() throws MsgpackException {
        int f = peek();
        if (f == 0xca) {
            pos++;
            require(4);
            float v = Float.intBitsToFloat(getInt(pos));
            pos += 4;
            return v;
        }
        if (f != 0xcb) {
            throw mismatch("a float");
        }
        pos++;
        require(8);
        double v = Double.longBitsToDouble(getLong(pos));
        pos += 8;
        return v;
    }

    /**
     * {@return the byte length of the next value, a string}; its bytes follow
     *
     * @throws MsgpackException if it is not a string, or its length is cut short or 2^31 or more
     */
    public int readStringHeader() throws MsgpackException {
        int f = peek();
        if (f >= 0xa0 && f <= 0xbf) {
            pos++;
            return f & 0x1f;
        }
        return switch (f) {
            case 0xd9 -> length(1);
            case 0xda -> length(2);
            case 0xdb -> length(4);
            default -> throw mismatch("a string");
        };
    }

    /**
     * {@return the byte length of the next value, a byte string}; its bytes follow
     *
     * @throws MsgpackException if it is not a byte string, or its length is cut short or 2^31 or more
     */
    public int readBinaryHeader() throws MsgpackException {
        return switch (peek()) {
            case 0xc4 -> length(1);
            case 0xc5 -> length(2);
            case 0xc6 -> length(4);
            default -> throw mismatch("a byte string");
        };
    }

    /**
     * {@return the number of items of the next value, an array}; they follow
     *
     * @throws MsgpackException if it is not an array, or its size is cut short or 2^31 or more
     */
    public int readArrayHeader() throws MsgpackException {
        int f = peek();
        if (f >= 0x90 && f <= 0x9f) {
            pos++;
            return f & 0x0f;
        }
        return switch (f) {
            case 0xdc -> length(2);
            case 0xdd -> length(4);
            default -> throw mismatch("an array");
        };
    }

    /**
     * {@return the number of entries of the next value, a map}; its keys and values follow, alternating
     *
     * @throws MsgpackException if it is not a map, or its size is cut short or 2^31 or more
     */
    public int readMapHeader() throws MsgpackException {
        int f = peek();
        if (f >= 0x80 && f <= 0x8f) {
            pos++;
            return f & 0x0f;
        }
        return switch (f) {
            case 0xde -> length(2);
            case 0xdf -> length(4);
            default -> throw mismatch("a map");
        };
    }

    /**
     * {@return the next value, a string} (malformed UTF-8 becomes U+FFFD)
     *
     * @throws MsgpackException if it is not a string or is cut short
     */
    public String readString() throws MsgpackException {
        int len = readStringHeader();
        return readUtf8(len);
    }

    /**
     * {@return the next value, a string or a byte string, decoded as UTF-8}: openpi's keys are byte strings
     *
     * @throws MsgpackException if it is neither, or is cut short
     */
    public String readText() throws MsgpackException {
        int len = nextType() == MsgpackType.BINARY ? readBinaryHeader() : readStringHeader();
        return readUtf8(len);
    }

    /**
     * {@return the next bytes, decoded as UTF-8} (malformed sequences become U+FFFD)
     *
     * @param length how many, after a string or byte-string header
     * @throws MsgpackException if fewer are left
     */
    public String readUtf8(int length) throws MsgpackException {
        require(length);
        String s = new String(data, pos, length, StandardCharsets.UTF_8);
        pos += length;
        return s;
    }

    /**
     * {@return a copy of the next bytes}
     *
     * @param length how many, after a string or byte-string header
     * @throws MsgpackException if fewer are left
     */
    public byte[] readPayload(int length) throws MsgpackException {
        require(length);
        byte[] copy = new byte[length];
        System.arraycopy(data, pos, copy, 0, length);
        pos += length;
        return copy;
    }

    /**
     * {@return the next bytes as a view of the message}, sharing its bytes, not a copy
     *
     * @param length how many, after a string or byte-string header
     * @throws MsgpackException if fewer are left
     */
    public ByteBuffer readPayloadView(int length) throws MsgpackException {
        require(length);
        ByteBuffer view = ByteBuffer.wrap(data, pos, length).slice();
        pos += length;
        return view;
    }

    private int peek() throws MsgpackException {
        if (pos >= end) {
            throw truncated(1);
        }
        return data[pos] & 0xff;
    }

    /** Reads a size after the format byte: 1, 2 or 4 bytes, unsigned, below 2^31. */
    private int length(int bytes) throws MsgpackException {
        pos++;
        require(bytes);
        long n = switch (bytes) {
            case 1 -> data[pos] & 0xffL;
            case 2 -> getShort(pos) & 0xffffL;
            default -> getInt(pos) & 0xffffffffL;
        };
        pos += bytes;
        if (n > Integer.MAX_VALUE) {
            throw new MsgpackException(MsgpackException.Reason.SIZE_OVERFLOW, position(),
                    "size " + n + " before byte " + position() + " is beyond 2^31 - 1");
        }
        return (int) n;
    }

    private void require(int n) throws MsgpackException {
        if (n < 0 || n > end - pos) {
            throw truncated(n);
        }
    }

    private MsgpackException truncated(int needed) {
        return new MsgpackException(MsgpackException.Reason.TRUNCATED, position(), "msgpack cut short: "
                + (needed & 0xffffffffL) + " more bytes needed at byte " + position() + " of " + (end - start));
    }

    private MsgpackException mismatch(String expected) throws MsgpackException {
        MsgpackType t = nextType();
        return new MsgpackException(MsgpackException.Reason.TYPE_MISMATCH, position(), "expected " + expected
                + " at byte " + position() + ", got " + (t == MsgpackType.EXTENSION
                ? "an extension type, which is not supported" : t.name().toLowerCase(java.util.Locale.ROOT)));
    }

    private short getShort(int i) {
        return (short) ((data[i] & 0xff) << 8 | data[i + 1] & 0xff);
    }

    private int getInt(int i) {
        return (data[i] & 0xff) << 24 | (data[i + 1] & 0xff) << 16 | (data[i + 2] & 0xff) << 8 | data[i + 3] & 0xff;
    }

    private long getLong(int i) {
        return (long) getInt(i) << 32 | getInt(i + 4) & 0xffffffffL;
    }
}
