package io.github.streaminfer.transport.internal.openpi;

import io.github.streaminfer.transport.internal.http.Json;
import io.github.streaminfer.transport.internal.http.ProtocolException;
import io.github.streaminfer.transport.openpi.NdArray;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link Msgpack#decodeObservation} on the project's own codec against the decoder it replaced
 * ({@link LegacyMsgpackDecoder}, on msgpack-core): for valid observations, for every kind of damage to them and for
 * arbitrary bytes, both give the same observation, or refuse with the same code and the same message, word for word
 * (the byte offsets in "truncated or malformed near byte N" included).
 */
class MsgpackEquivalenceTest {

    /** A valid observation with every value family openpi clients send, and some they should not. */
    static byte[] observation(SplittableRandom rnd) throws IOException {
        MessageBufferPacker p = MessagePack.newDefaultBufferPacker();
        int n = 1 + rnd.nextInt(6);
        p.packMapHeader(n);
        for (int i = 0; i < n; i++) {
            p.packString("observation/k" + i);
            value(p, rnd, 0);
        }
        return p.toByteArray();
    }

    private static void value(MessageBufferPacker p, SplittableRandom rnd, int depth) throws IOException {
        switch (rnd.nextInt(depth > 2 ? 9 : 12)) {
            case 0 -> p.packNil();
            case 1 -> p.packBoolean(rnd.nextBoolean());
            case 2 -> p.packLong(rnd.nextLong() >> rnd.nextInt(64));
            case 3 -> p.packBigInteger(java.math.BigInteger.valueOf(rnd.nextLong()).abs().shiftLeft(1).add(
                    java.math.BigInteger.ONE));
            case 4 -> p.packFloat((float) rnd.nextDouble());
            case 5 -> p.packDouble(rnd.nextDouble() * 1e6);
            case 6 -> p.packString("s".repeat(rnd.nextInt(300)));
            case 7 -> {
                byte[] b = new byte[rnd.nextInt(300)];
                rnd.nextBytes(b);
                p.packBinaryHeader(b.length);
                p.writePayload(b);
            }
            case 8 -> ndarray(p, rnd);
            case 9 -> {
                int k = rnd.nextInt(5);
                p.packArrayHeader(k);
                for (int i = 0; i < k; i++) {
                    value(p, rnd, depth + 1);
                }
            }
            case 10 -> {
                int k = rnd.nextInt(4);
                p.packMapHeader(k);
                for (int i = 0; i < k; i++) {
                    p.packString("n" + i);
                    value(p, rnd, depth + 1);
                }
            }
            default -> {
                p.packExtensionTypeHeader((byte) 1, 2);
                p.writePayload(new byte[2]);
            }
        }
    }

    private static void ndarray(MessageBufferPacker p, SplittableRandom rnd) throws IOException {
        String[] dtypes = {"<f4", "|u1", "<f8", "<i8", "<U5"};
        String dtype = dtypes[rnd.nextInt(dtypes.length)];
        long[] shape = {1 + rnd.nextInt(4), 1 + rnd.nextInt(4)};
        int size = (int) (shape[0] * shape[1]) * (dtype.equals("|u1") ? 1 : dtype.equals("<f4") ? 4 : 8);
        p.packMapHeader(4);
        bin(p, "__ndarray__");
        p.packBoolean(true);
        bin(p, "data");
        p.packBinaryHeader(size);
        p.writePayload(new byte[size]);
        bin(p, "dtype");
        p.packString(dtype);
        bin(p, "shape");
        p.packArrayHeader(shape.length);
        for (long s : shape) {
            p.packLong(s);
        }
    }

    private static void bin(MessageBufferPacker p, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.US_ASCII);
        p.packBinaryHeader(b.length);
        p.writePayload(b);
    }

    /** Damage: cut short, a byte changed, a byte inserted, a sized header's length set high, or nothing. */
    static byte[] damage(byte[] m, SplittableRandom rnd) {
        switch (rnd.nextInt(5)) {
            case 0:
                return Arrays.copyOf(m, rnd.nextInt(m.length));
            case 1: {
                byte[] c = m.clone();
                c[rnd.nextInt(c.length)] = (byte) rnd.nextInt(256);
                return c;
            }
            case 2: {
                int at = rnd.nextInt(m.length + 1);
                byte[] c = new byte[m.length + 1];
                System.arraycopy(m, 0, c, 0, at);
                c[at] = (byte) (0xc0 + rnd.nextInt(0x20)); // the sized formats, 0xc1 and ext included
                System.arraycopy(m, at, c, at + 1, m.length - at);
                return c;
            }
            case 3: {
                byte[] c = m.clone();
                int at = rnd.nextInt(c.length);
                int[] sized32 = {0xc6, 0xdb, 0xdd, 0xdf, 0xc9, 0xcf}; // bin, str, array, map, ext 32; uint 64
                for (int i = at; i < Math.min(c.length, at + 5); i++) {
                    c[i] = (byte) (i == at ? sized32[rnd.nextInt(sized32.length)] : 0xff);
                }
                return c;
            }
            default:
                return m;
        }
    }

    @Provide
    Arbitrary<byte[]> messages() {
        Arbitrary<byte[]> valid = Arbitraries.longs().map(seed -> {
            SplittableRandom rnd = new SplittableRandom(seed);
            try {
                return damage(observation(rnd), rnd);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        return Arbitraries.oneOf(valid, Arbitraries.bytes().array(byte[].class).ofMaxSize(64));
    }

    @Property(tries = 3000)
    void decodesToTheSameObservationOrTheSameRefusalAsTheDecoderItReplaced(@ForAll("messages") byte[] message,
                                                                         @ForAll("limits") int maxEntries) {
        Object mine = outcome(() -> Msgpack.decodeObservation(message, maxEntries));
        Object theirs = outcome(() -> LegacyMsgpackDecoder.decodeObservation(message, maxEntries));
        assertThat(mine).as("message %s", java.util.HexFormat.of().formatHex(message)).isEqualTo(theirs);
    }

    @Provide
    Arbitrary<Integer> limits() {
        return Arbitraries.of(4096, 256, 8, 1);
    }

    @Property(tries = 50)
    void deepNestingIsRefusedAlike(@ForAll("depths") int depth) {
        byte[] m = new byte[depth + 3];
        m[0] = (byte) 0x81;
        m[1] = (byte) 0xa1;
        m[2] = 'k';
        Arrays.fill(m, 3, m.length, (byte) 0x91); // arrays in arrays, the last one cut short
        assertThat(outcome(() -> Msgpack.decodeObservation(m)))
                .isEqualTo(outcome(() -> LegacyMsgpackDecoder.decodeObservation(m)));
    }

    @Provide
    Arbitrary<Integer> depths() {
        return Arbitraries.integers().between(1, 40);
    }

    interface Decode {
        Map<String, Object> run() throws ProtocolException;
    }

    /** {@return a comparable account of a decode}: the refusal's code and message, or the observation. */
    static Object outcome(Decode d) {
        try {
            return describe(d.run());
        } catch (ProtocolException e) {
            return "refused " + e.code() + ": " + e.getMessage();
        } catch (RuntimeException e) {
            return "failed " + e.getClass().getName() + ": " + e.getMessage();
        }
    }

    private static Object describe(Object v) {
        if (v instanceof NdArray a) {
            ByteBuffer d = a.data().duplicate();
            byte[] bytes = new byte[d.remaining()];
            d.get(bytes);
            return "ndarray " + a.dtype() + " " + Arrays.toString(a.shape()) + " " + Arrays.toString(bytes);
        }
        if (v instanceof byte[] b) {
            return "bytes " + Arrays.toString(b);
        }
        if (v instanceof Map<?, ?> m) {
            List<Object> out = new ArrayList<>();
            for (Map.Entry<?, ?> e : m.entrySet()) {
                out.add(List.of(e.getKey(), describe(e.getValue())));
            }
            return out;
        }
        if (v instanceof List<?> l) {
            List<Object> out = new ArrayList<>();
            for (Object o : l) {
                out.add(describe(o));
            }
            return out;
        }
        return v == null ? "nil" : v.getClass().getSimpleName() + " " + v;
    }
}
