package io.github.streaminfer.transport.internal.openpi;

import io.github.streaminfer.transport.internal.http.Json;
import io.github.streaminfer.transport.internal.http.ProtocolException;
import io.github.streaminfer.transport.openpi.NdArray;
import org.msgpack.core.MessageFormat;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessagePackException;
import org.msgpack.core.MessageUnpacker;
import org.msgpack.value.ValueType;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The openpi observation decoder as it was on msgpack-core, kept as the oracle of {@link Msgpack}'s own codec: the
 * same input must give the same observation or the same refusal, word for word ({@link MsgpackEquivalenceTest}).
 */
final class LegacyMsgpackDecoder {
    private static final int MAX_DEPTH = 16;

    private LegacyMsgpackDecoder() {
    }

    /**
     * Decodes an observation map and flattens nested maps to {@code /}-joined keys, with at most
     * {@link #DEFAULT_MAX_ENTRIES} map entries and array items in all.
     *
     * @param data the message
     * @return flattened entries
     * @throws ProtocolException if it is not a msgpack map or breaks the numpy convention
     */
    static Map<String, Object> decodeObservation(byte[] data) throws ProtocolException {
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
    static Map<String, Object> decodeObservation(byte[] data, int maxEntries) throws ProtocolException {
        Object v;
        MessageUnpacker u = MessagePack.newDefaultUnpacker(data);
        try (u) {
            v = read(u, new Budget(data.length, maxEntries), 0, false);
            if (u.hasNext()) {
                throw new ProtocolException("invalid_msgpack", "trailing bytes after the observation map at byte "
                        + u.getTotalReadBytes());
            }
        } catch (MessagePackException | IOException e) {
            throw new ProtocolException("invalid_msgpack", "invalid msgpack: the message is truncated or malformed "
                    + "near byte " + u.getTotalReadBytes() + " of " + data.length);
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
    static final int DEFAULT_MAX_ENTRIES = 4096;

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

    private static Object read(MessageUnpacker u, Budget b, int depth, boolean dataValue)
            throws IOException, ProtocolException {
        if (depth > MAX_DEPTH) {
            throw new ProtocolException("invalid_msgpack", "invalid msgpack: nesting deeper than " + MAX_DEPTH);
        }
        MessageFormat f = u.getNextFormat();
        if (f == MessageFormat.NEVER_USED) {
            throw new ProtocolException("invalid_msgpack", "invalid msgpack: byte 0xc1 at byte "
                    + u.getTotalReadBytes() + " is not a msgpack type");
        }
        ValueType t = f.getValueType();
        switch (t) {
            case NIL:
                u.unpackNil();
                return null;
            case BOOLEAN:
                return u.unpackBoolean();
            case INTEGER:
                if (f == MessageFormat.UINT64) {
                    BigInteger big = u.unpackBigInteger();
                    return big.bitLength() < 64 ? (Object) big.longValue() : (Object) big.doubleValue();
                }
                return u.unpackLong();
            case FLOAT:
                return u.unpackDouble();
            case STRING: {
                int len = u.unpackRawStringHeader();
                checkPayload(u, len, b);
                return new String(u.readPayload(len), StandardCharsets.UTF_8);
            }
            case BINARY: {
                int len = u.unpackBinaryHeader();
                checkPayload(u, len, b);
                if (dataValue) {
                    // an ndarray's elements: a view of the message, not a copy
                    return u.readPayloadAsReference(len).sliceAsByteBuffer();
                }
                return u.readPayload(len);
            }
            case ARRAY: {
                int n = u.unpackArrayHeader();
                count(u, n, b);
                List<Object> list = new ArrayList<>(Math.min(n, 64));
                for (int i = 0; i < n; i++) {
                    list.add(read(u, b, depth + 1, false));
                }
                return list;
            }
            case MAP: {
                int n = u.unpackMapHeader();
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

    private static void count(MessageUnpacker u, int n, Budget b) throws ProtocolException {
        long remaining = b.total - u.getTotalReadBytes();
        if (n < 0 || n > remaining) {
            throw new ProtocolException("invalid_msgpack", "invalid msgpack: collection of " + (n & 0xFFFFFFFFL) + " entries in "
                    + remaining + " remaining bytes");
        }
        b.entries += n;
        if (b.entries > b.maxEntries) {
            throw new ProtocolException("too_many_entries", "observation has more than " + b.maxEntries
                    + " map entries and array items; allowed: at most " + b.maxEntries);
        }
    }

    private static void checkPayload(MessageUnpacker u, int len, Budget b) throws ProtocolException {
        long remaining = b.total - u.getTotalReadBytes();
        if (len < 0 || len > remaining) {
            throw new ProtocolException("invalid_msgpack", "invalid msgpack: payload of " + (len & 0xFFFFFFFFL)
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

}
