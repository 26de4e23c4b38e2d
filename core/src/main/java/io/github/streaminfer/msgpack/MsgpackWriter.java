package io.github.streaminfer.msgpack;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Writes msgpack values into a growing byte array, each in its smallest format (a positive fixint for 5, uint 16 for
 * 300, str 8 for a 40-byte string), as msgpack's reference implementations do. Collections are written as a header
 * (their size) followed by their items; the writer does not check that the items match the header. Floats keep their
 * width: {@link #writeFloat} writes float 32, {@link #writeDouble} float 64.
 *
 * <p><b>Note:</b> not thread-safe. {@link #reset()} reuses the array for the next message.
 *
 * @since 0.1.0
 */
public final class MsgpackWriter {
    private byte[] buf;
    private int size;

    /** Creates a writer with room for 256 bytes before it grows. */
    public MsgpackWriter() {
        this(256);
    }

    /**
     * Creates a writer.
     *
     * @param initialCapacity bytes before it grows, at least 1
     * @throws IllegalArgumentException if it is below 1
     */
    public MsgpackWriter(int initialCapacity) {
        if (initialCapacity < 1) {
            throw new IllegalArgumentException("initialCapacity is " + initialCapacity + "; allowed: >= 1");
        }
        this.buf = new byte[initialCapacity];
    }

    /** {@return the bytes written so far} */
    public int size() {
        return size;
    }

    /** {@return a copy of the bytes written} */
    public byte[] toByteArray() {
        return Arrays.copyOf(buf, size);
    }

    /** Forgets what was written; keeps the array. */
    public void reset() {
        size = 0;
    }

    /**
     * Writes nil.
     *
     * @return this writer
     */
    public MsgpackWriter writeNil() {
        ensure(1);
        buf[size++] = (byte) 0xc0;
        return this;
    }

    /**
     * Writes a boolean.
     *
     * @param value the value
     * @return this writer
     */
    public MsgpackWriter writeBoolean(boolean value) {
        ensure(1);
        buf[size++] = (byte) (value ? 0xc3 : 0xc2);
        return this;
    }

    /**
     * Writes a signed integer in its smallest format.
     *
     * @param v the value
     * @return this writer
     */
    public MsgpackWriter writeLong(long v) {
        ensure(9);
        if (v >= 0) {
            if (v < 0x80) {
                buf[size++] = (byte) v;
            } else if (v < 0x100) {
                buf[size++] = (byte) 0xcc;
                buf[size++] = (byte) v;
            } else if (v < 0x10000) {
                buf[size++] = (byte) 0xcd;
                putShort((int) v);
            } else if (v < 0x1_0000_0000L) {
                buf[size++] = (byte) 0xce;
                putInt((int) v);
            } else {
                buf[size++] = (byte) 0xcf;
                putLong(v);
            }
        } else if (v >= -32) {
            buf[size++] = (byte) v;
        } else if (v >= Byte.MIN_VALUE) {
            buf[size++] = (byte) 0xd0;
            buf[size++] = (byte) v;
        } else if (v >= Short.MIN_VALUE) {
            buf[size++] = (byte) 0xd1;
            putShort((int) v);
        } else if (v >= Integer.MIN_VALUE) {
            buf[size++] = (byte) 0xd2;
            putInt((int) v);
        } else {
            buf[size++] = (byte) 0xd3;
            putLong(v);
        }
        return this;
    }

    /**
     * Writes an unsigned 64-bit integer in its smallest format: the bits of {@code v} read as unsigned, so a
     * negative {@code v} is written as a {@code uint 64} above {@link Long#MAX_VALUE}.
     *
     * @param v the value's bits
     * @return this writer
     */
    public MsgpackWriter writeUnsignedLong(long v) {
        if (v >= 0) {
            return writeLong(v);
        }
        ensure(9);
        buf[size++] = (byte) 0xcf;
        putLong(v);
        return this;
    }

    /**
     * Writes a float 32.
     *
     * @param v the value
     * @return this writer
     */
    public MsgpackWriter writeFloat(float v) {
        ensure(5);
        buf[size++] = (byte) 0xca;
        putInt(Float.floatToRawIntBits(v));
        return this;
    }

    /**
     * Writes a float 64.
     *
     * @param v the value
     * @return this writer
     */
    public MsgpackWriter writeDouble(double v) {
        ensure(9);
        buf[size++] = (byte) 0xcb;
        putLong(Double.doubleToRawLongBits(v));
        return this;
    }

    /**
     * Writes a string as UTF-8 (an unpaired surrogate becomes {@code ?}, as {@link String#getBytes} does).
     *
     * @param s the string
     * @return this writer
     */
    public MsgpackWriter writeString(String s) {
        int n = s.length();
        int i = 0;
        while (i < n && s.charAt(i) < 0x80) {
            i++;
        }
        if (i < n) {
            byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
            writeStringHeader(utf8.length);
            return writePayload(utf8, 0, utf8.length);
        }
        writeStringHeader(n);
        ensure(n);
        for (int k = 0; k < n; k++) {
            buf[size++] = (byte) s.charAt(k);
        }
        return this;
    }

    /**
     * Writes the header of a string whose UTF-8 bytes follow ({@link #writePayload}).
     *
     * @param length the byte length
     * @return this writer
     */
    public MsgpackWriter writeStringHeader(int length) {
        checkLength(length);
        ensure(5);
        if (length < 32) {
            buf[size++] = (byte) (0xa0 | length);
        } else if (length < 0x100) {
            buf[size++] = (byte) 0xd9;
            buf[size++] = (byte) length;
        } else if (length < 0x10000) {
            buf[size++] = (byte) 0xda;
            putShort(length);
        } else {
            buf[size++] = (byte) 0xdb;
            putInt(length);
        }
        return this;
    }

    /**
     * Writes a byte string.
     *
     * @param bytes the bytes
     * @return this writer
     */
    public MsgpackWriter writeBinary(byte[] bytes) {
        writeBinaryHeader(bytes.length);
        return writePayload(bytes, 0, bytes.length);
    }

    /**
     * Writes a byte string: the bytes between a buffer's position and limit (the buffer is not moved).
     *
     * @param bytes the bytes
     * @return this writer
     */
    public MsgpackWriter writeBinary(ByteBuffer bytes) {
        int n = bytes.remaining();
        writeBinaryHeader(n);
        ensure(n);
        bytes.duplicate().get(buf, size, n);
        size += n;
        return this;
    }

    /**
     * Writes the header of a byte string whose bytes follow ({@link #writePayload}).
     *
     * @param length the byte length
     * @return this writer
     */
    public MsgpackWriter writeBinaryHeader(int length) {
        checkLength(length);
        ensure(5);
        if (length < 0x100) {
            buf[size++] = (byte) 0xc4;
            buf[size++] = (byte) length;
        } else if (length < 0x10000) {
            buf[size++] = (byte) 0xc5;
            putShort(length);
        } else {
            buf[size++] = (byte) 0xc6;
            putInt(length);
        }
        return this;
    }

    /**
     * Writes the header of an array whose items follow.
     *
     * @param items the number of items
     * @return this writer
     */
    public MsgpackWriter writeArrayHeader(int items) {
        return collection(items, 0x90, 0xdc);
    }

    /**
     * Writes the header of a map whose keys and values follow, alternating.
     *
     * @param entries the number of entries
     * @return this writer
     */
    public MsgpackWriter writeMapHeader(int entries) {
        return collection(entries, 0x80, 0xde);
    }

    /**
     * Writes raw bytes: the payload after a string or byte-string header.
     *
     * @param bytes  the array
     * @param offset the first byte
     * @param length how many
     * @return this writer
     */
    public MsgpackWriter writePayload(byte[] bytes, int offset, int length) {
        ensure(length);
        System.arraycopy(bytes, offset, buf, size, length);
        size += length;
        return this;
    }

    private MsgpackWriter collection(int n, int fix, int sized16) {
        checkLength(n);
        ensure(5);
        if (n < 16) {
            buf[size++] = (byte) (fix | n);
        } else if (n < 0x10000) {
            buf[size++] = (byte) sized16;
            putShort(n);
        } else {
            buf[size++] = (byte) (sized16 + 1);
            putInt(n);
        }
        return this;
    }

    private static void checkLength(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("length is " + n + "; allowed: >= 0");
        }
    }

    private void ensure(int n) {
        if (n > buf.length - size) {
            long want = Math.max((long) buf.length * 2, (long) size + n);
            if (want > Integer.MAX_VALUE - 8) {
                throw new IllegalStateException("a msgpack message of " + want + " bytes; allowed: at most "
                        + (Integer.MAX_VALUE - 8));
            }
            buf = Arrays.copyOf(buf, (int) want);
        }
    }

    private void putShort(int v) {
        buf[size++] = (byte) (v >>> 8);
        buf[size++] = (byte) v;
    }

    private void putInt(int v) {
        buf[size++] = (byte) (v >>> 24);
        buf[size++] = (byte) (v >>> 16);
        buf[size++] = (byte) (v >>> 8);
        buf[size++] = (byte) v;
    }

    private void putLong(long v) {
        putInt((int) (v >>> 32));
        putInt((int) v);
    }
}
