package io.github.streaminfer.transport;

import io.github.streaminfer.exceptions.InvalidInputException;
import io.github.streaminfer.task.RawImage;
import io.github.streaminfer.transport.internal.http.ClientText;
import io.github.streaminfer.transport.internal.http.ProtocolException;
import io.github.streaminfer.transport.internal.openpi.Msgpack;
import io.github.streaminfer.transport.openpi.NdArray;
import io.github.streaminfer.transport.openpi.OpenPiLimits;
import io.github.streaminfer.transport.openpi.OpenPiObservation;
import org.junit.jupiter.api.Test;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Sizes from the network use checked arithmetic, budgets refuse costly arrays, and client text is made safe. */
class OpenPiSafetyTest {

    /** One array packed as openpi's msgpack_numpy packs it: byte-string keys, data before dtype and shape. */
    static void ndarray(MessageBufferPacker p, String dtype, byte[] data, long... shape) throws Exception {
        p.packMapHeader(4);
        bin(p, "__ndarray__");
        p.packBoolean(true);
        bin(p, "data");
        p.packBinaryHeader(data.length);
        p.writePayload(data);
        bin(p, "dtype");
        p.packString(dtype);
        bin(p, "shape");
        p.packArrayHeader(shape.length);
        for (long s : shape) {
            p.packLong(s);
        }
    }

    static void bin(MessageBufferPacker p, String s) throws Exception {
        byte[] b = s.getBytes(StandardCharsets.US_ASCII);
        p.packBinaryHeader(b.length);
        p.writePayload(b);
    }

    static byte[] oneArray(String key, String dtype, byte[] data, long... shape) throws Exception {
        MessageBufferPacker p = MessagePack.newDefaultBufferPacker();
        p.packMapHeader(1);
        p.packString(key);
        ndarray(p, dtype, data, shape);
        return p.toByteArray();
    }

    @Test
    void aShapeWhoseByteSizeOverflowsIsRefusedNotWrappedToZero() throws Exception {
        long[] huge = {1L << 30, 1L << 30, 2};
        // 2^61 elements of 8 bytes is 2^64 bytes: a plain long product wraps to exactly 0
        assertThat(huge[0] * huge[1] * huge[2] * 8).isZero();
        assertThatThrownBy(() -> new NdArray("<f8", huge, ByteBuffer.allocate(0)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("is larger than 2147483647 bytes");
        assertThatThrownBy(() -> Msgpack.decodeObservation(oneArray("x", "<f8", new byte[0], huge)))
                .isInstanceOf(ProtocolException.class)
                .hasMessageContaining("ndarray of dtype <f8 and shape [1073741824, 1073741824, 2]")
                .hasMessageContaining("larger than");
        // an empty dimension anywhere makes any shape empty, and that is fine
        assertThat(NdArray.byteSize("<f8", new long[]{1L << 40, 1L << 40, 0})).isZero();
        assertThatThrownBy(() -> NdArray.byteSize("<f4", new long[]{2, -1}))
                .hasMessageContaining("negative dimension");
    }

    @Test
    void anImageOverThePixelBudgetIsRefusedWithTheBudgetNamed() {
        OpenPiLimits limits = OpenPiLimits.DEFAULT;
        NdArray bomb = new NdArray("|u1", new long[]{2364, 2364, 3}, ByteBuffer.allocate(2364 * 2364 * 3));
        assertThat(limits.check("observation/image", bomb))
                .isEqualTo("image 'observation/image' (|u1 [2364, 2364, 3]) has 5588496 pixels; allowed: at most "
                        + "1048576 (OpenPiLimits.maxImagePixels)");
        NdArray chw = new NdArray("|u1", new long[]{3, 1100, 1000}, ByteBuffer.allocate(3 * 1100 * 1000));
        assertThat(limits.check("cam", chw)).contains("1100000 pixels");
        for (long[] ok : new long[][]{{96, 96, 3}, {224, 224, 3}, {480, 640, 3}, {3, 640, 640}, {720, 1280, 3}}) {
            int n = (int) (ok[0] * ok[1] * ok[2]);
            assertThat(limits.check("cam", new NdArray("|u1", ok, ByteBuffer.allocate(n)))).isNull();
        }
        NdArray floats = new NdArray("<f4", new long[]{4 << 20}, ByteBuffer.allocate(16 << 20));
        assertThat(limits.check("state", floats)).contains("16777216 data bytes")
                .contains("OpenPiLimits.maxArrayBytes");
        OpenPiLimits small = limits.toBuilder().maxImagePixels(96 * 96).build();
        assertThat(small.check("cam", new NdArray("|u1", new long[]{97, 96, 3}, ByteBuffer.allocate(97 * 96 * 3))))
                .contains("allowed: at most 9216");
    }

    @Test
    void limitsAreValidatedWithTheFieldAndWhatIsAllowed() {
        assertThatThrownBy(() -> OpenPiLimits.builder().maxImagePixels(0).build())
                .hasMessage("maxImagePixels is 0; allowed: >= 1");
        assertThatThrownBy(() -> OpenPiLimits.builder().maxArrayBytes(-1).build())
                .hasMessage("maxArrayBytes is -1; allowed: >= 1");
        assertThatThrownBy(() -> OpenPiLimits.builder().maxEntries(0).build())
                .hasMessage("maxEntries is 0; allowed: >= 1");
        assertThat(OpenPiLimits.DEFAULT.toBuilder().build()).isEqualTo(OpenPiLimits.DEFAULT);
    }

    @Test
    void clientTextCannotStartALogLineOrFloodOne() {
        assertThat(ClientText.safe("a\nINFO forged\r\u2028x\u0000\u001b[31m\\"))
                .isEqualTo("a\\nINFO forged\\r\\u2028x\\u0000\\u001b[31m\\\\");
        String longKey = "k".repeat(10_000);
        assertThat(ClientText.safe(longKey)).hasSize(64 + "...(10000 chars)".length()).endsWith("...(10000 chars)");
        assertThat(ClientText.safe("\ud83d\ude00 ok")).isEqualTo("\ud83d\ude00 ok");
        assertThat(ClientText.safe("\ud83d")).isEqualTo("\\ud83d");
        assertThat(ClientText.list(List.of("a", "b\n", "c", "d", "e", "f", "g", "h", "i", "j")))
                .isEqualTo("['a', 'b\\n', 'c', 'd', 'e', 'f', 'g', 'h', ... 2 more]");
    }

    @Test
    void missingInputMessagesQuoteObservationKeysEscaped() {
        Map<String, Object> values = new LinkedHashMap<>();
        values.put("x\n2026-12-07 12:00:00 ERROR forged admin login", NdArray.ofFloats(new float[1], 1));
        OpenPiObservation o = new OpenPiObservation(values);
        var task = PolicyAdapters.openPi(io.github.streaminfer.task.PolicyTask.builder().state("state").build(),
                List.of("observation/image"), null, null);
        assertThatThrownBy(() -> task.preprocess(o, new io.github.streaminfer.tensor.Tensor[0]))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("keys present: ['x\\n2026-12-07 12:00:00 ERROR forged admin login']")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
        var state = StatePolicyTask.openPi("observation/state\r\n");
        assertThatThrownBy(() -> state.preprocess(o, new io.github.streaminfer.tensor.Tensor[0]))
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n").doesNotContain("\r"));
        assertThatThrownBy(() -> new OpenPiObservation(Map.of("p\n", "text")).array("p\n"))
                .satisfies(e -> assertThat(e.getMessage()).contains("'p\\n'").doesNotContain("\n"));
    }

    @Test
    void msgpackErrorsAreInOurOwnWords() throws Exception {
        assertThatThrownBy(() -> Msgpack.decodeObservation(new byte[]{(byte) 0xC1, 1, 2}))
                .hasMessage("invalid msgpack: byte 0xc1 at byte 0 is not a msgpack type");
        byte[] obs = oneArray("observation/state", "<f4", new byte[32], 8);
        byte[] cut = java.util.Arrays.copyOf(obs, obs.length - 4);
        assertThatThrownBy(() -> Msgpack.decodeObservation(cut)).isInstanceOf(ProtocolException.class)
                .satisfies(e -> assertThat(e.getMessage()).startsWith("invalid msgpack: ")
                        .doesNotContainIgnoringCase("exception").doesNotContain("ValueType"));
        MessageBufferPacker p = MessagePack.newDefaultBufferPacker();
        p.packMapHeader(1);
        p.packString("odd");
        p.packExtensionTypeHeader((byte) 1, 1);
        p.writePayload(new byte[]{0});
        assertThatThrownBy(() -> Msgpack.decodeObservation(p.toByteArray()))
                .hasMessage("msgpack extension types are not supported");
        assertThatThrownBy(() -> Msgpack.decodeObservation(oneArray("x", "<U5\n", new byte[5], 1)))
                .hasMessageContaining("unsupported ndarray dtype '<U5\\n'");
        MessageBufferPacker big = MessagePack.newDefaultBufferPacker();
        big.packMapHeader(20);
        for (int i = 0; i < 20; i++) {
            big.packString("k" + i);
            big.packInt(i);
        }
        assertThatThrownBy(() -> Msgpack.decodeObservation(big.toByteArray(), 10))
                .hasMessage("observation has more than 10 map entries and array items; allowed: at most 10");
    }

    @Test
    void ndarrayDataIsAViewOfTheMessageAndOtherBinariesStayByteArrays() throws Exception {
        MessageBufferPacker p = MessagePack.newDefaultBufferPacker();
        p.packMapHeader(2);
        p.packString("img");
        ndarray(p, "|u1", new byte[]{1, 2, 3, 4, 5, 6}, 1, 2, 3);
        p.packString("meta");
        p.packMapHeader(1);
        p.packString("data");
        p.packBinaryHeader(2);
        p.writePayload(new byte[]{9, 8});
        byte[] msg = p.toByteArray();
        Map<String, Object> m = Msgpack.decodeObservation(msg);
        NdArray img = (NdArray) m.get("img");
        assertThat(img.toFloats()).containsExactly(1, 2, 3, 4, 5, 6);
        msg[indexOf(msg, new byte[]{1, 2, 3, 4, 5, 6})] = 42; // the view sees the message's bytes
        assertThat(img.getFloat(0)).isEqualTo(42f);
        assertThat((byte[]) m.get("meta/data")).containsExactly(9, 8);
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new AssertionError("not found");
    }

    @Test
    void cameraArraysBecomeRgbPixelsForEveryLayoutAndDtype() {
        int h = 2;
        int w = 4;
        byte[] hwc = new byte[h * w * 3];
        for (int i = 0; i < hwc.length; i++) {
            hwc[i] = (byte) (i * 13 + 7);
        }
        RawImage a = PolicyAdapters.raw("cam", new NdArray("|u1", new long[]{h, w, 3}, ByteBuffer.wrap(hwc)));
        assertThat(a.width()).isEqualTo(w);
        assertThat(a.height()).isEqualTo(h);
        assertThat(a.pixels()).containsExactly(hwc);
        byte[] chw = new byte[hwc.length];
        float[] f = new float[hwc.length];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                for (int c = 0; c < 3; c++) {
                    chw[c * h * w + y * w + x] = hwc[(y * w + x) * 3 + c];
                    f[(y * w + x) * 3 + c] = (hwc[(y * w + x) * 3 + c] & 0xFF) / 255f;
                }
            }
        }
        RawImage b = PolicyAdapters.raw("cam", new NdArray("|u1", new long[]{3, h, w}, ByteBuffer.wrap(chw)));
        assertThat(b.pixels()).containsExactly(hwc);
        RawImage c = PolicyAdapters.raw("cam", NdArray.ofFloats(f, h, w, 3));
        for (int i = 0; i < hwc.length; i++) {
            assertThat(Math.abs((c.pixels()[i] & 0xFF) - (hwc[i] & 0xFF))).isLessThanOrEqualTo(1);
        }
        assertThatThrownBy(() -> PolicyAdapters.raw("cam\n", NdArray.ofFloats(new float[4], 2, 2)))
                .hasMessage("image 'cam\\n' has shape [2, 2]; expected [H, W, 3] or [3, H, W]");
    }
}
