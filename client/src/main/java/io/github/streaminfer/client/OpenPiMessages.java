package io.github.streaminfer.client;

import io.github.streaminfer.msgpack.MsgpackException;
import io.github.streaminfer.msgpack.MsgpackReader;
import io.github.streaminfer.msgpack.MsgpackType;
import io.github.streaminfer.msgpack.MsgpackWriter;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * openpi's messages in msgpack with its numpy convention ({@code msgpack_numpy}): an array is a map with the
 * byte-string keys {@code __ndarray__}, {@code data}, {@code dtype}, {@code shape}. Writes observations, reads the
 * server's metadata and replies.
 *
 * <p><b>Note:</b> stateless and thread-safe.
 */
final class OpenPiMessages {
    private static final int MAX_DEPTH = 16;
    private static final byte[] K_NDARRAY = "__ndarray__".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] K_DATA = "data".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] K_DTYPE = "dtype".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] K_SHAPE = "shape".getBytes(StandardCharsets.US_ASCII);

    private OpenPiMessages() {
    }

    /** {@return an observation map as msgpack}; nested maps stay nested (the server joins their keys with '/') */
    static byte[] encode(Map<String, ?> observation) {
        MsgpackWriter w = new MsgpackWriter(1024);
        write(w, observation);
        return w.toByteArray();
    }

    private static void write(MsgpackWriter w, Object v) {
        if (v == null) {
            w.writeNil();
        } else if (v instanceof OpenPiArray a) {
            w.writeMapHeader(4);
            w.writeBinary(K_NDARRAY).writeBoolean(true);
            w.writeBinary(K_DATA).writeBinary(a.data());
            w.writeBinary(K_DTYPE).writeString(a.dtype());
            w.writeBinary(K_SHAPE).writeArrayHeader(a.shape().length);
            for (long d : a.shape()) {
                w.writeLong(d);
            }
        } else if (v instanceof float[] f) {
            write(w, OpenPiArray.ofFloats(f));
        } else if (v instanceof String s) {
            w.writeString(s);
        } else if (v instanceof Boolean b) {
            w.writeBoolean(b);
        } else if (v instanceof Float f) {
            w.writeFloat(f);
        } else if (v instanceof Double d) {
            w.writeDouble(d);
        } else if (v instanceof Long || v instanceof Integer || v instanceof Short || v instanceof Byte) {
            w.writeLong(((Number) v).longValue());
        } else if (v instanceof byte[] b) {
            w.writeBinary(b);
        } else if (v instanceof Map<?, ?> m) {
            w.writeMapHeader(m.size());
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (!(e.getKey() instanceof String k)) {
                    throw new IllegalArgumentException("observation key is " + e.getKey() + "; allowed: strings");
                }
                w.writeString(k);
                write(w, e.getValue());
            }
        } else if (v instanceof List<?> l) {
            w.writeArrayHeader(l.size());
            for (Object o : l) {
                write(w, o);
            }
        } else {
            throw new IllegalArgumentException("observation value of " + v.getClass().getName() + "; allowed: "
                    + "OpenPiArray, float[], String, Boolean, Float, Double, Long, Integer, byte[], Map, List, null");
        }
    }

    /**
     * {@return a server message as a map}: integers as Long, floats as Double, strings as String, byte strings as
     * byte[], arrays in the numpy convention as {@link OpenPiArray}
     *
     * @throws MsgpackException if it is not msgpack, is cut short or nests deeper than 16
     */
    static Map<String, Object> decode(byte[] message) throws MsgpackException {
        MsgpackReader r = new MsgpackReader(message);
        if (r.nextType() != MsgpackType.MAP) {
            throw new MsgpackException(MsgpackException.Reason.TYPE_MISMATCH, 0, "the server's message is not a map");
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> m = (Map<String, Object>) read(r, 0);
        return m;
    }

    private static Object read(MsgpackReader r, int depth) throws MsgpackException {
        if (depth > MAX_DEPTH) {
            throw new MsgpackException(MsgpackException.Reason.TYPE_MISMATCH, r.position(),
                    "the server's message nests deeper than " + MAX_DEPTH);
        }
        switch (r.nextType()) {
            case NIL:
                r.readNil();
                return null;
            case BOOLEAN:
                return r.readBoolean();
            case INTEGER:
                return r.readLong();
            case FLOAT:
                return r.readDouble();
            case STRING:
                return r.readString();
            case BINARY:
                return r.readPayload(r.readBinaryHeader());
            case ARRAY: {
                int n = r.readArrayHeader();
                List<Object> l = new ArrayList<>(Math.min(n, r.remaining()));
                for (int i = 0; i < n; i++) {
                    l.add(read(r, depth + 1));
                }
                return l;
            }
            case MAP: {
                int n = r.readMapHeader();
                Map<String, Object> m = new LinkedHashMap<>();
                for (int i = 0; i < n; i++) {
                    String key = r.readText();
                    m.put(key, read(r, depth + 1));
                }
                return ndarray(m);
            }
            default:
                throw new MsgpackException(MsgpackException.Reason.TYPE_MISMATCH, r.position(),
                        "extension types are not part of openpi's protocol");
        }
    }

    private static Object ndarray(Map<String, Object> m) {
        if (Boolean.TRUE.equals(m.get("__ndarray__")) && m.get("data") instanceof byte[] data
                && m.get("shape") instanceof List<?> shape) {
            Object dtype = m.get("dtype");
            long[] s = new long[shape.size()];
            for (int i = 0; i < s.length; i++) {
                if (!(shape.get(i) instanceof Long d) || d < 0) {
                    return m;
                }
                s[i] = d;
            }
            String dt = dtype instanceof String str ? str
                    : dtype instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : null;
            return dt == null ? m : new OpenPiArray(dt, s, data);
        }
        return m;
    }
}
