package io.github.streaminfer.transport.internal.openpi;

import io.github.streaminfer.msgpack.MsgpackException;
import io.github.streaminfer.msgpack.MsgpackReader;
import io.github.streaminfer.msgpack.MsgpackType;
import io.github.streaminfer.msgpack.MsgpackWriter;
import io.github.streaminfer.transport.internal.http.Json;
import io.github.streaminfer.transport.internal.http.ProtocolException;
import io.github.streaminfer.transport.openpi.NdArray;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * msgpack with openpi's numpy convention: arrays are maps with the byte-string keys {@code __ndarray__}, {@code data},
 * {@code dtype}, {@code shape}; numpy scalars are maps with {@code __npgeneric__}, {@code data}, {@code dtype}.
 * Decoding is bounded: nesting depth, collection sizes and binary lengths are checked against the bytes present
 * before anything is allocated.
 *
 * <p><b>Note:</b> stateless and thread-safe.
 */
public final class Msgpack {
    private static final int MAX_DEPTH = 16;

    private Msgpack() {
    }

    /**
     * Decodes an observation map and flattens nested maps to {@code /}-joined keys, with at most
     * {@link #DEFAULT_MAX_ENTRIES} map entries and array items in all.
     *
     * @param data the message
     * @return flattened entries
     * @throws ProtocolException if it is not a msgpack map or breaks the numpy convention
     */
    public static Map<String, Object> decodeObservation(byte[] data) throws ProtocolException {
        return decodeObservation(data, DEFAULT_MAX_ENTRIES);
    }

    /**
     * Decodes an observation map and flattens nested maps to {@code /}-joined keys. The error messages are this
     * project's own (never the msgpack library's) and quote client text only escaped and truncated.
     *
     * @param data       the message
     * @param maxEntries most map entries plus array items in the whole message
     * @return flattened entries; an ndarray's data is a view of {@code data}, not a copy
     * @throws ProtocolException if it is not a msgpack map, breaks the numpy convention or has too many entries
     */
    public static Map<String, Object> decodeObservation(byte[] data, int maxEntries) throws ProtocolException {
        Object v;
        MsgpackReader u = new MsgpackReader(data);
        try {
            v = read(u, new Budget(data.length, maxEntries), 0, false);
            if (u.hasNext()) {
                throw new ProtocolException("invalid_msgpack", "trailing bytes after the observation map at byte "
                        + u.position());
            }
        } catch (MsgpackException e) {
            if (e.reason() == MsgpackException.Reason.NEVER_USED) {
                throw new ProtocolException("invalid_msgpack", "invalid msgpack: byte 0xc1 at byte "
                        + e.position() + " is not a msgpack type");
            }
            throw new ProtocolException("invalid_msgpack", "invalid msgpack: the message is truncated or malformed "
                    + "near byte " + e.position() + " of " + data.length);
        } catch (IllegalArgumentException e) {
            // NdArray's own words (sizes, dtype); client text in them is already escaped
            throw new ProtocolException("invalid_ndarray", Json.truncate(e.getMessage(), 200));
        }
        if (!(v instanceof Map<?, ?> m)) {
            throw new ProtocolException("invalid_msgpack", "observation must be a msgpack map, got "
                    + kindOf(v));
        }
        Map<String, Object> flat = new LinkedHashMap<>();
        flatten("", m, flat);
        return flat;
    }

    /** Most map entries plus array items {@link #decodeObservation(byte[])} accepts in one message. */
    public static final int DEFAULT_MAX_ENTRIES = 4096;

    /** What is left of one message: bytes after the cursor, entries and items before the limit. */
    private static final class Budget {
        final int total;
        final int maxEntries;
        int entries;

        Budget(int total, int maxEntries) {
            this.total = total;
            this.maxEntries = maxEntries;
        }
    }

    private static String kindOf(Object v) {
        if (v == null) {
            return "nil";
        }
        if (v instanceof List<?>) {
            return "an array";
        }
        if (v instanceof String) {
            return "a string";
        }
        if (v instanceof byte[] || v instanceof ByteBuffer) {
            return "binary";
        }
        if (v instanceof NdArray) {
            return "an ndarray";
        }
        return v instanceof Boolean ? "a boolean" : "a number";
    }

    @SuppressWarnings("unchecked")
    private static void flatten(String prefix, Map<?, ?> m, Map<String, Object> into) {
        for (Map.Entry<?, ?> e : m.entrySet()) {
            String k = prefix.isEmpty() ? (String) e.getKey() : prefix + "/" + e.getKey();
            if (e.getValue() instanceof Map<?, ?> inner) {
                flatten(k, inner, into);
            } else {
                into.put(k, e.getValue());
            }
        }
    }

    private static Object read(MsgpackReader u, Budget b, int depth, boolean dataValue)
            throws MsgpackException, ProtocolException {
        if (depth > MAX_DEPTH) {
            throw new ProtocolException("invalid_msgpack", "invalid msgpack: nesting deeper than " + MAX_DEPTH);
        }
        MsgpackType t = u.nextType();
        switch (t) {
            case NIL:
                u.readNil();
                return null;
            case BOOLEAN:
                return u.readBoolean();
            case INTEGER:
                if (u.nextIsUnsigned64()) {
                    long bits = u.readUnsignedLong();
                    return bits >= 0 ? (Object) bits : (Object) unsignedToDouble(bits);
                }
                return u.readLong();
            case FLOAT:
                return u.readDouble();
            case STRING: {
                int len = u.readStringHeader();
                checkPayload(u, len, b);
                return u.readUtf8(len);
            }
            case BINARY: {
                int len = u.readBinaryHeader();
                checkPayload(u, len, b);
                if (dataValue) {
                    // an ndarray's elements: a view of the message, not a copy
                    return u.readPayloadView(len);
                }
                return u.readPayload(len);
            }
            case ARRAY: {
                int n = u.readArrayHeader();
                count(u, n, b);
                List<Object> list = new ArrayList<>(Math.min(n, 64));
                for (int i = 0; i < n; i++) {
                    list.add(read(u, b, depth + 1, false));
                }
                return list;
            }
            case MAP: {
                int n = u.readMapHeader();
                count(u, n, b);
                Map<String, Object> map = new LinkedHashMap<>();
                for (int i = 0; i < n; i++) {
                    Object k = read(u, b, depth + 1, false);
                    String key;
                    if (k instanceof String s) {
                        key = s;
                    } else if (k instanceof byte[] bytes) {
                        key = new String(bytes, StandardCharsets.UTF_8);
                    } else {
                        throw new ProtocolException("invalid_msgpack", "map keys must be strings or bytes, got "
                                + kindOf(k));
                    }
                    map.put(key, read(u, b, depth + 1, "data".equals(key)));
                }
                return numpy(map);
            }
            default:
                throw new ProtocolException("invalid_msgpack", "msgpack extension types are not supported");
        }
    }

    /** {@return an unsigned 64-bit integer as the nearest double}; the dropped low bit stays as a sticky bit. */
    static double unsignedToDouble(long bits) {
        return bits >= 0 ? bits : ((double) ((bits >>> 1) | (bits & 1))) * 2.0;
    }

    private static void count(MsgpackReader u, int n, Budget b) throws ProtocolException {
        long remaining = u.remaining();
        if (n > remaining) {
            throw new ProtocolException("invalid_msgpack", "invalid msgpack: collection of " + n + " entries in "
                    + remaining + " remaining bytes");
        }
        b.entries += n;
        if (b.entries > b.maxEntries) {
            throw new ProtocolException("too_many_entries", "observation has more than " + b.maxEntries
                    + " map entries and array items; allowed: at most " + b.maxEntries);
        }
    }

    private static void checkPayload(MsgpackReader u, int len, Budget b) throws ProtocolException {
        long remaining = u.remaining();
        if (len > remaining) {
            throw new ProtocolException("invalid_msgpack", "invalid msgpack: payload of " + len
                    + " bytes but only " + remaining + " remain");
        }
    }

    private static Object numpy(Map<String, Object> m) throws ProtocolException {
        Object data = m.get("data");
        if (Boolean.TRUE.equals(m.get("__ndarray__"))) {
            Object dtype = m.get("dtype");
            Object shape = m.get("shape");
            if (!(data instanceof ByteBuffer d)) {
                throw new ProtocolException("invalid_ndarray", "ndarray 'data' must be bytes, got " + kindOf(data));
            }
            String dt = dtype instanceof byte[] bytes ? new String(bytes, StandardCharsets.UTF_8)
                    : dtype instanceof String s ? s : null;
            if (dt == null) {
                throw new ProtocolException("invalid_ndarray", "ndarray 'dtype' must be a string such as '<f4'");
            }
            if (!(shape instanceof List<?> l)) {
                throw new ProtocolException("invalid_ndarray", "ndarray 'shape' must be an array of integers");
            }
            long[] s = new long[l.size()];
            for (int i = 0; i < s.length; i++) {
                if (!(l.get(i) instanceof Long x)) {
                    throw new ProtocolException("invalid_ndarray", "ndarray 'shape' must be an array of integers");
                }
                s[i] = x;
            }
            return new NdArray(dt, s, d);
        }
        if (data instanceof ByteBuffer d) { // not an ndarray after all: binary values are byte[]
            byte[] copy = new byte[d.remaining()];
            d.get(copy);
            m.put("data", copy);
            data = copy;
        }
        if (Boolean.TRUE.equals(m.get("__npgeneric__"))) {
            return data;
        }
        return m;
    }

    /**
     * Encodes a value: Map (String keys), List, String, Number, Boolean, byte[], {@link NdArray}, float[] (as a
     * 1-d {@code <f4} array) or null.
     *
     * @param value the value
     * @return the bytes
     */
    public static byte[] encode(Object value) {
        MsgpackWriter w = new MsgpackWriter();
        write(w, value);
        return w.toByteArray();
    }

    /**
     * Writes a value as {@link #encode} does.
     *
     * @param p     where
     * @param value the value
     */
    public static void write(MsgpackWriter p, Object value) {
        if (value == null) {
            p.writeNil();
        } else if (value instanceof String s) {
            p.writeString(s);
        } else if (value instanceof Boolean b) {
            p.writeBoolean(b);
        } else if (value instanceof Float f) {
            p.writeFloat(f);
        } else if (value instanceof Double d) {
            p.writeDouble(d);
        } else if (value instanceof Number n) {
            p.writeLong(n.longValue());
        } else if (value instanceof byte[] b) {
            p.writeBinary(b);
        } else if (value instanceof float[] f) {
            write(p, NdArray.ofFloats(f, f.length));
        } else if (value instanceof long[] l) {
            p.writeArrayHeader(l.length);
            for (long x : l) {
                p.writeLong(x);
            }
        } else if (value instanceof NdArray a) {
            writeNdArray(p, a.dtype(), a.shape(), a.data());
        } else if (value instanceof Map<?, ?> m) {
            p.writeMapHeader(m.size());
            for (Map.Entry<?, ?> e : m.entrySet()) {
                p.writeString(String.valueOf(e.getKey()));
                write(p, e.getValue());
            }
        } else if (value instanceof List<?> l) {
            p.writeArrayHeader(l.size());
            for (Object o : l) {
                write(p, o);
            }
        } else {
            p.writeString(String.valueOf(value));
        }
    }

    private static final byte[] K_NDARRAY = "__ndarray__".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] K_DATA = "data".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] K_DTYPE = "dtype".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] K_SHAPE = "shape".getBytes(StandardCharsets.US_ASCII);

    /**
     * Writes an array in openpi's convention (byte-string keys).
     *
     * @param p     where
     * @param dtype numpy dtype string
     * @param shape dimensions
     * @param data  element bytes, from its position to its limit (not moved)
     */
    public static void writeNdArray(MsgpackWriter p, String dtype, long[] shape, ByteBuffer data) {
        p.writeMapHeader(4);
        p.writeBinary(K_NDARRAY);
        p.writeBoolean(true);
        p.writeBinary(K_DATA);
        p.writeBinary(data);
        p.writeBinary(K_DTYPE);
        p.writeString(dtype);
        p.writeBinary(K_SHAPE);
        p.writeArrayHeader(shape.length);
        for (long s : shape) {
            p.writeLong(s);
        }
    }
}
