package io.github.streaminfer.msgpack;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessageUnpacker;

import java.io.IOException;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Our codec against msgpack-core, both ways, for every type family: what our writer writes, msgpack-core reads as
 * the same value, and what msgpack-core packs, our reader reads as the same value. Both pick the smallest format, so
 * the bytes are also identical. Extension types are refused by our reader with a clear error.
 */
class MsgpackInteropTest {
    private static final long[] INTEGER_EDGES = {0, 1, 31, 32, 127, 128, 255, 256, 65_535, 65_536, 0xFFFF_FFFFL,
        0x1_0000_0000L, Long.MAX_VALUE, -1, -31, -32, -33, -127, -128, -129, -32_767, -32_768, -32_769,
        Integer.MIN_VALUE + 1L, Integer.MIN_VALUE, Integer.MIN_VALUE - 1L, Long.MIN_VALUE + 1, Long.MIN_VALUE};
    /** Lengths at every header format's edge: fix, 8, 16 and 32 bits. */
    private static final int[] LENGTH_EDGES = {0, 1, 15, 16, 31, 32, 255, 256, 65_535, 65_536, 70_000};

    static byte[] ours(Object v) {
        MsgpackWriter w = new MsgpackWriter(1);
        MsgpackValues.write(w, v);
        return w.toByteArray();
    }

    static byte[] theirs(Object v) throws IOException {
        MessageBufferPacker p = MessagePack.newDefaultBufferPacker();
        MsgpackValues.write(p, v);
        return p.toByteArray();
    }

    /** Writes with both, reads each with the other, and checks value and bytes. */
    static void roundTripsBothWays(Object v) throws Exception {
        byte[] mine = ours(v);
        byte[] ref = theirs(v);
        Object expected = MsgpackValues.normalise(v);
        MessageUnpacker u = MessagePack.newDefaultUnpacker(mine);
        Object readByThem = MsgpackValues.read(u);
        assertThat(u.hasNext()).isFalse();
        MsgpackReader r = new MsgpackReader(ref);
        Object readByUs = MsgpackValues.read(r);
        assertThat(r.hasNext()).isFalse();
        assertThat(MsgpackValues.same(readByThem, expected)).as("msgpack-core reads what we wrote: %s", v).isTrue();
        assertThat(MsgpackValues.same(readByUs, expected)).as("we read what msgpack-core wrote: %s", v).isTrue();
        assertThat(mine).as("same smallest format").isEqualTo(ref);
    }

    @Test
    void nilAndBooleans() throws Exception {
        roundTripsBothWays(null);
        roundTripsBothWays(true);
        roundTripsBothWays(false);
    }

    @Test
    void integersAtEveryFormatEdge() throws Exception {
        for (long v : INTEGER_EDGES) {
            roundTripsBothWays(v);
        }
        // uint 64 above Long.MAX_VALUE: 2^63, 2^63 + 1, 2^64 - 1
        for (BigInteger v : new BigInteger[]{BigInteger.ONE.shiftLeft(63), BigInteger.ONE.shiftLeft(63).add(BigInteger.ONE),
            BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE)}) {
            roundTripsBothWays(v);
        }
    }

    @Property(tries = 500)
    void anyLong(@ForAll long v) throws Exception {
        roundTripsBothWays(v);
    }

    @Test
    void floatsAndDoublesKeepTheirWidthAndBits() throws Exception {
        for (float f : new float[]{0f, -0f, 1.5f, Float.MIN_VALUE, Float.MAX_VALUE, Float.NaN,
            Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 3.14159f}) {
            roundTripsBothWays(f);
        }
        for (double d : new double[]{0, -0.0, 1.5, Double.MIN_VALUE, Double.MAX_VALUE, Double.NaN,
            Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, Math.PI}) {
            roundTripsBothWays(d);
        }
    }

    @Property(tries = 300)
    void anyFloatOrDouble(@ForAll float f, @ForAll double d) throws Exception {
        roundTripsBothWays(f);
        roundTripsBothWays(d);
    }

    @Test
    void stringsAndBinariesAtEveryLengthFormat() throws Exception {
        SplittableRandom rnd = new SplittableRandom(7);
        for (int n : LENGTH_EDGES) {
            byte[] b = new byte[n];
            rnd.nextBytes(b);
            roundTripsBothWays(b);
            roundTripsBothWays("x".repeat(n));
            // multi-byte UTF-8: the header counts bytes, not chars
            roundTripsBothWays("é".repeat(n / 2) + "😀".repeat(n / 4));
        }
    }

    @Property(tries = 300)
    void anyString(@ForAll String s) throws Exception {
        roundTripsBothWays(s);
    }

    @Test
    void arraysAndMapsAtEveryHeaderFormat() throws Exception {
        for (int n : LENGTH_EDGES) {
            List<Object> list = new ArrayList<>();
            Map<Object, Object> map = new LinkedHashMap<>();
            for (int i = 0; i < n; i++) {
                list.add((long) i);
                map.put("k" + i, (long) -i);
            }
            roundTripsBothWays(list);
            roundTripsBothWays(map);
        }
    }

    @Provide
    Arbitrary<Object> trees() {
        Arbitrary<Object> leaf = Arbitraries.oneOf(Arbitraries.longs().map(x -> (Object) x),
                Arbitraries.doubles().map(x -> (Object) x), Arbitraries.floats().map(x -> (Object) x),
                Arbitraries.strings().ofMaxLength(40).map(x -> (Object) x),
                Arbitraries.bytes().array(byte[].class).ofMaxSize(40).map(x -> (Object) x),
                Arbitraries.of(true, false).map(x -> (Object) x), Arbitraries.just(null));
        return Arbitraries.recursive(() -> leaf, inner -> Arbitraries.oneOf(
                inner.list().ofMaxSize(8).map(l -> (Object) l),
                Arbitraries.maps(Arbitraries.strings().ofMaxLength(8), inner).ofMaxSize(8)
                        .map(m -> (Object) new LinkedHashMap<Object, Object>(m))), 3);
    }

    @Property(tries = 200)
    void nestedValuesRoundTripBothWays(@ForAll("trees") Object tree) throws Exception {
        roundTripsBothWays(tree);
    }

    @Property(tries = 100)
    void everyCutShortMessageIsRefusedAsTruncated(@ForAll("trees") Object tree) throws Exception {
        byte[] full = theirs(List.of(tree, "end"));
        // every cut of a short message, 300 spread over a long one
        int step = Math.max(1, full.length / 300);
        for (int cut = 0; cut < full.length; cut += step) {
            MsgpackReader r = new MsgpackReader(full, 0, cut);
            assertThatThrownBy(() -> MsgpackValues.read(r)).isInstanceOf(MsgpackException.class)
                    .satisfies(e -> assertThat(((MsgpackException) e).reason())
                            .isEqualTo(MsgpackException.Reason.TRUNCATED));
        }
    }

    @Test
    void extensionTypesAreRecognisedAndRefusedClearly() throws Exception {
        for (int len : new int[]{1, 2, 4, 8, 16, 3, 255, 256, 70_000}) {
            MessageBufferPacker p = MessagePack.newDefaultBufferPacker();
            p.packExtensionTypeHeader((byte) 5, len);
            p.writePayload(new byte[len]);
            MsgpackReader r = new MsgpackReader(p.toByteArray());
            assertThat(r.nextType()).isEqualTo(MsgpackType.EXTENSION);
            assertThatThrownBy(r::readLong).isInstanceOf(MsgpackException.class)
                    .hasMessage("expected an integer at byte 0, got an extension type, which is not supported");
            assertThatThrownBy(r::readBinaryHeader).isInstanceOf(MsgpackException.class)
                    .hasMessageContaining("extension type, which is not supported");
            assertThat(r.position()).as("a refused read does not move").isZero();
        }
    }

    @Test
    void theUnusedByteAndSizesBeyondAJavaArrayAreRefused() {
        MsgpackReader r = new MsgpackReader(new byte[]{(byte) 0x91, (byte) 0xc1});
        assertThatThrownBy(() -> {
            r.readArrayHeader();
            r.nextType();
        }).isInstanceOf(MsgpackException.class).hasMessage("byte 0xc1 at byte 1 is not a msgpack type")
                .satisfies(e -> assertThat(((MsgpackException) e).reason()).isEqualTo(MsgpackException.Reason.NEVER_USED));
        for (int format : new int[]{0xc6, 0xdb, 0xdd, 0xdf}) { // bin 32, str 32, array 32, map 32
            byte[] m = {(byte) format, (byte) 0x80, 0, 0, 0};
            MsgpackReader big = new MsgpackReader(m);
            assertThatThrownBy(() -> {
                switch (big.nextType()) {
                    case BINARY -> big.readBinaryHeader();
                    case STRING -> big.readStringHeader();
                    case ARRAY -> big.readArrayHeader();
                    default -> big.readMapHeader();
                }
            }).isInstanceOf(MsgpackException.class).hasMessage("size 2147483648 before byte 5 is beyond 2^31 - 1");
            assertThat(big.position()).isEqualTo(5);
        }
        MsgpackReader u64 = new MsgpackReader(new byte[]{(byte) 0xcf, (byte) 0x80, 0, 0, 0, 0, 0, 0, 0});
        assertThatThrownBy(u64::readLong).isInstanceOf(MsgpackException.class)
                .satisfies(e -> assertThat(((MsgpackException) e).reason())
                        .isEqualTo(MsgpackException.Reason.INTEGER_OVERFLOW));
    }

    @Test
    void aPartOfAnArrayIsReadAsAWholeMessage() throws Exception {
        byte[] m = theirs(List.of(1L, "two"));
        byte[] padded = new byte[m.length + 6];
        System.arraycopy(m, 0, padded, 3, m.length);
        MsgpackReader r = new MsgpackReader(padded, 3, m.length);
        assertThat(MsgpackValues.read(r)).isEqualTo(List.of(BigInteger.ONE, "two"));
        assertThat(r.position()).isEqualTo(m.length);
        assertThat(r.hasNext()).isFalse();
    }
}
