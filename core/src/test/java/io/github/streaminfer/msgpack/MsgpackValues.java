package io.github.streaminfer.msgpack;

import org.msgpack.core.MessageFormat;
import org.msgpack.core.MessagePacker;
import org.msgpack.core.MessageUnpacker;
import org.msgpack.value.ValueType;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A plain model of msgpack values (null, Boolean, Long or BigInteger, Float or Double, String, byte[], List, Map),
 * written and read by our codec and by msgpack-core, so the two can be compared value for value. Read integers come
 * back as BigInteger and floats as Double, whatever their format.
 */
final class MsgpackValues {
    private static final BigInteger TWO_64 = BigInteger.ONE.shiftLeft(64);

    private MsgpackValues() {
    }

    static void write(MsgpackWriter w, Object v) {
        if (v == null) {
            w.writeNil();
        } else if (v instanceof Boolean b) {
            w.writeBoolean(b);
        } else if (v instanceof Long l) {
            w.writeLong(l);
        } else if (v instanceof BigInteger big) {
            w.writeUnsignedLong(big.longValue()); // the low 64 bits of a uint 64
        } else if (v instanceof Float f) {
            w.writeFloat(f);
        } else if (v instanceof Double d) {
            w.writeDouble(d);
        } else if (v instanceof String s) {
            w.writeString(s);
        } else if (v instanceof byte[] b) {
            w.writeBinary(b);
        } else if (v instanceof List<?> l) {
            w.writeArrayHeader(l.size());
            for (Object o : l) {
                write(w, o);
            }
        } else {
            Map<?, ?> m = (Map<?, ?>) v;
            w.writeMapHeader(m.size());
            for (Map.Entry<?, ?> e : m.entrySet()) {
                write(w, e.getKey());
                write(w, e.getValue());
            }
        }
    }

    static void write(MessagePacker p, Object v) throws IOException {
        if (v == null) {
            p.packNil();
        } else if (v instanceof Boolean b) {
            p.packBoolean(b);
        } else if (v instanceof Long l) {
            p.packLong(l);
        } else if (v instanceof BigInteger big) {
            p.packBigInteger(big);
        } else if (v instanceof Float f) {
            p.packFloat(f);
        } else if (v instanceof Double d) {
            p.packDouble(d);
        } else if (v instanceof String s) {
            p.packString(s);
        } else if (v instanceof byte[] b) {
            p.packBinaryHeader(b.length);
            p.writePayload(b);
        } else if (v instanceof List<?> l) {
            p.packArrayHeader(l.size());
            for (Object o : l) {
                write(p, o);
            }
        } else {
            Map<?, ?> m = (Map<?, ?>) v;
            p.packMapHeader(m.size());
            for (Map.Entry<?, ?> e : m.entrySet()) {
                write(p, e.getKey());
                write(p, e.getValue());
            }
        }
    }

    static Object read(MsgpackReader r) throws MsgpackException {
        switch (r.nextType()) {
            case NIL:
                r.readNil();
                return null;
            case BOOLEAN:
                return r.readBoolean();
            case INTEGER:
                if (r.nextIsUnsigned64()) {
                    long bits = r.readUnsignedLong();
                    return bits >= 0 ? BigInteger.valueOf(bits) : BigInteger.valueOf(bits).add(TWO_64);
                }
                return BigInteger.valueOf(r.readLong());
            case FLOAT:
                return r.readDouble();
            case STRING:
                return r.readString();
            case BINARY:
                return r.readPayload(r.readBinaryHeader());
            case ARRAY: {
                int n = r.readArrayHeader();
                List<Object> l = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    l.add(read(r));
                }
                return l;
            }
            case MAP: {
                int n = r.readMapHeader();
                Map<Object, Object> m = new LinkedHashMap<>();
                for (int i = 0; i < n; i++) {
                    Object k = read(r);
                    m.put(k, read(r));
                }
                return m;
            }
            default:
                throw new AssertionError("an extension type in a value written without one");
        }
    }

    static Object read(MessageUnpacker u) throws IOException {
        MessageFormat f = u.getNextFormat();
        ValueType t = f.getValueType();
        switch (t) {
            case NIL:
                u.unpackNil();
                return null;
            case BOOLEAN:
                return u.unpackBoolean();
            case INTEGER:
                return u.unpackBigInteger();
            case FLOAT:
                return u.unpackDouble();
            case STRING:
                return u.unpackString();
            case BINARY:
                return u.readPayload(u.unpackBinaryHeader());
            case ARRAY: {
                int n = u.unpackArrayHeader();
                List<Object> l = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    l.add(read(u));
                }
                return l;
            }
            case MAP: {
                int n = u.unpackMapHeader();
                Map<Object, Object> m = new LinkedHashMap<>();
                for (int i = 0; i < n; i++) {
                    Object k = read(u);
                    m.put(k, read(u));
                }
                return m;
            }
            default:
                throw new AssertionError("an extension type in a value written without one");
        }
    }

    /** {@return a written value as it reads back}: integers as BigInteger, floats as Double. */
    static Object normalise(Object v) {
        if (v instanceof Long l) {
            return BigInteger.valueOf(l);
        }
        if (v instanceof Float f) {
            return f.doubleValue();
        }
        if (v instanceof List<?> l) {
            List<Object> out = new ArrayList<>();
            for (Object o : l) {
                out.add(normalise(o));
            }
            return out;
        }
        if (v instanceof Map<?, ?> m) {
            Map<Object, Object> out = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : m.entrySet()) {
                out.put(normalise(e.getKey()), normalise(e.getValue()));
            }
            return out;
        }
        if (v instanceof String s) {
            // as UTF-8 carries it: an unpaired surrogate becomes '?'
            return new String(s.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8);
        }
        return v;
    }

    /** Deep equality that compares byte arrays by content and doubles by their bits (NaN equals NaN). */
    static boolean same(Object a, Object b) {
        if (a instanceof byte[] x && b instanceof byte[] y) {
            return Arrays.equals(x, y);
        }
        if (a instanceof List<?> x && b instanceof List<?> y) {
            if (x.size() != y.size()) {
                return false;
            }
            for (int i = 0; i < x.size(); i++) {
                if (!same(x.get(i), y.get(i))) {
                    return false;
                }
            }
            return true;
        }
        if (a instanceof Map<?, ?> x && b instanceof Map<?, ?> y) {
            if (x.size() != y.size()) {
                return false;
            }
            var ix = x.entrySet().iterator();
            var iy = y.entrySet().iterator();
            while (ix.hasNext()) {
                var ex = ix.next();
                var ey = iy.next();
                if (!same(ex.getKey(), ey.getKey()) || !same(ex.getValue(), ey.getValue())) {
                    return false;
                }
            }
            return true;
        }
        return Objects.equals(a, b);
    }
}
