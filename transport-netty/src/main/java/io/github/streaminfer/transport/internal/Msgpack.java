package io.github.streaminfer.transport.internal;

import io.github.streaminfer.transport.NdArray;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessageFormat;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessagePackException;
import org.msgpack.core.MessageUnpacker;
import org.msgpack.value.ValueType;

import java.io.IOException;
import java.io.UncheckedIOException;
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
     * Decodes an observation map and flattens nested maps to {@code /}-joined keys.
     *
     * @param data the message
     * @return flattened entries
     * @throws ProtocolException if it is not a msgpack map or breaks the numpy convention
     */
    public static Map<String, Object> decodeObservation(byte[] data) throws ProtocolException {
        Object v;
        try (MessageUnpacker u = MessagePack.newDefaultUnpacker(data)) {
            v = read(u, data.length, 0);
            if (u.hasNext()) {
                throw new ProtocolException("invalid_msgpack", "trailing bytes after the observation map");
            }
        } catch (MessagePackException | IOException e) {
            throw new ProtocolException("invalid_msgpack", "invalid msgpack: " + Json.truncate(e.getMessage(), 120));
        } catch (IllegalArgumentException | ArithmeticException e) {
            throw new ProtocolException("invalid_ndarray", Json.truncate(e.getMessage(), 200));
        }
        if (!(v instanceof Map<?, ?> m)) {
            throw new ProtocolException("invalid_msgpack", "observation must be a msgpack map, got "
                    + (v == null ? "nil" : v.getClass().getSimpleName()));
        }
        Map<String, Object> flat = new LinkedHashMap<>();
        flatten("", m, flat);
        return flat;
    }

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

    private static Object read(MessageUnpacker u, int total, int depth) throws IOException, ProtocolException {
        if (depth > MAX_DEPTH) {
            throw new ProtocolException("invalid_msgpack", "nesting deeper than " + MAX_DEPTH);
        }
        MessageFormat f = u.getNextFormat();
        ValueType t = f.getValueType();
        switch (t) {
            case NIL:
                u.unpackNil();
                return null;
            case BOOLEAN:
                return u.unpackBoolean();
            case INTEGER:
                return u.unpackLong();
            case FLOAT:
                return u.unpackDouble();
            case STRING: {
                int len = u.unpackRawStringHeader();
                return new String(payload(u, len, total), StandardCharsets.UTF_8);
            }
            case BINARY: {
                int len = u.unpackBinaryHeader();
                return payload(u, len, total);
            }
            case ARRAY: {
                int n = u.unpackArrayHeader();
                check(u, n, total);
                List<Object> list = new ArrayList<>(Math.min(n, 1024));
                for (int i = 0; i < n; i++) {
                    list.add(read(u, total, depth + 1));
                }
                return list;
            }
            case MAP: {
                int n = u.unpackMapHeader();
                check(u, n, total);
                Map<String, Object> map = new LinkedHashMap<>();
                for (int i = 0; i < n; i++) {
                    Object k = read(u, total, depth + 1);
                    String key;
                    if (k instanceof String s) {
                        key = s;
                    } else if (k instanceof byte[] b) {
                        key = new String(b, StandardCharsets.UTF_8);
                    } else {
                        throw new ProtocolException("invalid_msgpack", "map keys must be strings or bytes");
                    }
                    map.put(key, read(u, total, depth + 1));
                }
                return numpy(map);
            }
            default:
                throw new ProtocolException("invalid_msgpack", "unsupported msgpack type " + t);
        }
    }

    private static void check(MessageUnpacker u, int n, int total) throws ProtocolException {
        if (n < 0 || n > total - u.getTotalReadBytes()) {
            throw new ProtocolException("invalid_msgpack", "collection of " + n + " entries in "
                    + (total - u.getTotalReadBytes()) + " remaining bytes");
        }
    }

    private static byte[] payload(MessageUnpacker u, int len, int total) throws IOException, ProtocolException {
        if (len < 0 || len > total - u.getTotalReadBytes()) {
            throw new ProtocolException("invalid_msgpack", "payload of " + len + " bytes but only "
                    + (total - u.getTotalReadBytes()) + " remain");
        }
        return u.readPayload(len);
    }

    private static Object numpy(Map<String, Object> m) throws ProtocolException {
        if (Boolean.TRUE.equals(m.get("__ndarray__"))) {
            Object data = m.get("data");
            Object dtype = m.get("dtype");
            Object shape = m.get("shape");
            if (!(data instanceof byte[] d)) {
                throw new ProtocolException("invalid_ndarray", "ndarray 'data' must be bytes");
            }
            String dt = dtype instanceof byte[] b ? new String(b, StandardCharsets.UTF_8)
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
            return new NdArray(dt, s, ByteBuffer.wrap(d));
        }
        if (Boolean.TRUE.equals(m.get("__npgeneric__"))) {
            return m.get("data");
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
        try (MessageBufferPacker p = MessagePack.newDefaultBufferPacker()) {
            write(p, value);
            return p.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * @param p     packer
     * @param value value
     * @throws IOException from the packer
     */
    public static void write(MessageBufferPacker p, Object value) throws IOException {
        if (value == null) {
            p.packNil();
        } else if (value instanceof String s) {
            p.packString(s);
        } else if (value instanceof Boolean b) {
            p.packBoolean(b);
        } else if (value instanceof Float f) {
            p.packFloat(f);
        } else if (value instanceof Double d) {
            p.packDouble(d);
        } else if (value instanceof Number n) {
            p.packLong(n.longValue());
        } else if (value instanceof byte[] b) {
            p.packBinaryHeader(b.length);
            p.writePayload(b);
        } else if (value instanceof float[] f) {
            write(p, NdArray.ofFloats(f, f.length));
        } else if (value instanceof long[] l) {
            p.packArrayHeader(l.length);
            for (long x : l) {
                p.packLong(x);
            }
        } else if (value instanceof NdArray a) {
            writeNdArray(p, a.dtype(), a.shape(), a.data());
        } else if (value instanceof Map<?, ?> m) {
            p.packMapHeader(m.size());
            for (Map.Entry<?, ?> e : m.entrySet()) {
                p.packString(String.valueOf(e.getKey()));
                write(p, e.getValue());
            }
        } else if (value instanceof List<?> l) {
            p.packArrayHeader(l.size());
            for (Object o : l) {
                write(p, o);
            }
        } else {
            p.packString(String.valueOf(value));
        }
    }

    private static final byte[] K_NDARRAY = "__ndarray__".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] K_DATA = "data".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] K_DTYPE = "dtype".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] K_SHAPE = "shape".getBytes(StandardCharsets.US_ASCII);

    /**
     * Writes an array in openpi's convention (byte-string keys).
     *
     * @param p     packer
     * @param dtype numpy dtype string
     * @param shape dimensions
     * @param data  element bytes
     * @throws IOException from the packer
     */
    public static void writeNdArray(MessageBufferPacker p, String dtype, long[] shape, ByteBuffer data)
            throws IOException {
        p.packMapHeader(4);
        bin(p, K_NDARRAY);
        p.packBoolean(true);
        bin(p, K_DATA);
        ByteBuffer d = data.duplicate();
        p.packBinaryHeader(d.remaining());
        byte[] bytes = new byte[d.remaining()];
        d.get(bytes);
        p.writePayload(bytes);
        bin(p, K_DTYPE);
        p.packString(dtype);
        bin(p, K_SHAPE);
        p.packArrayHeader(shape.length);
        for (long s : shape) {
            p.packLong(s);
        }
    }

    private static void bin(MessageBufferPacker p, byte[] b) throws IOException {
        p.packBinaryHeader(b.length);
        p.writePayload(b);
    }
}
