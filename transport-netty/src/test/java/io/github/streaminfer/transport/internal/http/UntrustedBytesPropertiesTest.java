package io.github.streaminfer.transport.internal.http;

import io.github.streaminfer.transport.internal.openpi.Msgpack;
import io.github.streaminfer.transport.openpi.NdArray;
import io.netty.buffer.Unpooled;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * Every decoder of untrusted bytes (msgpack observations, image headers, JSON messages) either decodes or throws a
 * {@link ProtocolException} with a message; never anything else, whatever the bytes: random, or valid messages with
 * random bytes flipped and random truncation.
 */
class UntrustedBytesPropertiesTest {
    private static final byte[] MSGPACK = Msgpack.encode(Map.of("observation/state",
            NdArray.ofFloats(new float[]{1, 2, 3, 4}, 4), "prompt", "pick", "images", Map.of("cam",
                    new NdArray("|u1", new long[]{2, 2, 3}, java.nio.ByteBuffer.wrap(new byte[12])))));
    private static final byte[] JPEG = image("jpg");
    private static final byte[] PNG = image("png");
    private static final byte[] JSON = ("{\"type\":\"frame\",\"image\":\"AAAA\",\"robot_state\":{\"pose\":[1,2,3],"
            + "\"velocity\":[0.5]},\"frame_id\":7}").getBytes(java.nio.charset.StandardCharsets.UTF_8);

    private static byte[] image(String fmt) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(new BufferedImage(17, 9, BufferedImage.TYPE_INT_RGB), fmt, out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** A valid message with up to 8 random byte changes and a random cut. */
    private static Arbitrary<byte[]> mutated(byte[] valid) {
        return Arbitraries.integers().between(0, Integer.MAX_VALUE).list().ofMinSize(1).ofMaxSize(9).map(r -> {
            byte[] b = valid.clone();
            for (int i = 1; i < r.size(); i++) {
                int v = r.get(i);
                b[v % b.length] = (byte) (v >>> 8);
            }
            int cut = r.get(0) % (b.length + 1);
            return r.get(0) % 3 == 0 ? java.util.Arrays.copyOf(b, cut) : b;
        });
    }

    @Provide
    Arbitrary<byte[]> msgpack() {
        return Arbitraries.oneOf(mutated(MSGPACK), Arbitraries.bytes().array(byte[].class).ofMaxSize(256));
    }

    @Provide
    Arbitrary<byte[]> images() {
        return Arbitraries.oneOf(mutated(JPEG), mutated(PNG), Arbitraries.bytes().array(byte[].class).ofMaxSize(64));
    }

    @Provide
    Arbitrary<byte[]> json() {
        return Arbitraries.oneOf(mutated(JSON), Arbitraries.bytes().array(byte[].class).ofMaxSize(128));
    }

    @Property(tries = 3000)
    void msgpackObservationsDecodeOrFailCleanly(@ForAll("msgpack") byte[] bytes) {
        try {
            Msgpack.decodeObservation(bytes);
        } catch (ProtocolException e) {
            assertMessage(e);
        }
    }

    @Property(tries = 3000)
    void imageHeadersProbeOrFailCleanly(@ForAll("images") byte[] bytes) {
        try {
            EncodedImages.Info info = EncodedImages.probe(bytes, bytes.length, 1_000_000);
            if (info.width() < 1 || info.height() < 1) {
                throw new AssertionError("accepted an empty image " + info);
            }
        } catch (ProtocolException e) {
            assertMessage(e);
        }
    }

    @Property(tries = 3000)
    void jsonMessagesParseOrFailCleanly(@ForAll("json") byte[] bytes) {
        try {
            var o = Json.parseObject(Unpooled.wrappedBuffer(bytes));
            Json.text(o, "type", "", 64);
            if (o.get("robot_state") != null && o.get("robot_state").isObject()) {
                Json.floats((com.fasterxml.jackson.databind.node.ObjectNode) o.get("robot_state"), "pose", "pose", 64);
            }
            FrameIds.parse(o.get("frame_id"));
        } catch (ProtocolException e) {
            assertMessage(e);
        }
    }

    private static void assertMessage(ProtocolException e) {
        if (e.getMessage() == null || e.getMessage().isBlank() || e.code() == null) {
            throw new AssertionError("an error without a message", e);
        }
    }
}
