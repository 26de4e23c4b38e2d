package io.github.streaminfer.transport.internal.vla;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.streaminfer.transport.ServerLimits;
import io.github.streaminfer.transport.internal.http.EncodedImages;
import io.github.streaminfer.transport.internal.http.FrameIds;
import io.github.streaminfer.transport.internal.http.Json;
import io.github.streaminfer.transport.internal.http.ProtocolException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The byte-level reader against the tree path it stands in for: over messages built from every kind of value a
 * client might send (and broken ones), whenever the reader takes a message the tree path accepts it too and builds
 * the same frame, field for field; everything else is left to the tree path, untouched. Plus the base64 decoder
 * against the JDK's, and a check that reading a steady stream allocates nothing.
 */
class FrameMessageReaderTest {
    static final ServerLimits LIMITS = ServerLimits.DEFAULT.toBuilder().maxWebSocketFrameBytes(1 << 20)
            .maxImagePixels(10_000).build();
    static final int MAX_STATE_LENGTH = 12;
    static final byte[] JPEG = image("jpg", 9, 7);
    static final byte[] PNG = image("png", 5, 3);
    static final byte[] BIG_PNG_HEADER = pngHeader(30_000, 30_000);
    static final AtomicInteger READ = new AtomicInteger();
    static final AtomicInteger TRIED = new AtomicInteger();

    static byte[] image(String fmt, int w, int h) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB), fmt, out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    static byte[] pngHeader(long w, long h) {
        byte[] b = Arrays.copyOf(PNG, 33);
        for (int i = 0; i < 4; i++) {
            b[16 + i] = (byte) (w >>> (24 - 8 * i));
            b[20 + i] = (byte) (h >>> (24 - 8 * i));
        }
        return b;
    }

    static FrameMessageReader reader() {
        return new FrameMessageReader(LIMITS.maxWebSocketFrameBytes(), LIMITS.maxImagePixels(), MAX_STATE_LENGTH,
                FrameTreeReader.MAX_STATE);
    }

    // ------------------------------------------------------------------------------------------------ the oracle

    /** What the tree path makes of a message: the kind it would submit (or keep), and the frame, or a refusal. */
    record Outcome(int kind, Object id, String instruction, float[] pose, float[] velocity, byte[] image,
                   String format, int width, int height) {
        static final Outcome REFUSED = new Outcome(FrameMessageReader.NOT_HANDLED, null, null, null, null, null, null,
                0, 0);

        static Outcome of(int kind, VlaFramePool.Slot s) {
            ByteBuffer img = s.fillFrame().image();
            byte[] bytes = new byte[img.remaining()];
            img.get(bytes);
            return new Outcome(kind, s.clientId(), s.instruction, s.fillFrame().pose().clone(),
                    s.fillFrame().velocity().clone(), kind == FrameMessageReader.FRAME ? bytes : null,
                    kind == FrameMessageReader.FRAME ? EncodedImages.formatName(s.header) : null,
                    kind == FrameMessageReader.FRAME ? (int) s.header.width() : 0,
                    kind == FrameMessageReader.FRAME ? (int) s.header.height() : 0);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Outcome x && kind == x.kind && java.util.Objects.equals(id, x.id)
                    && java.util.Objects.equals(instruction, x.instruction) && Arrays.equals(pose, x.pose)
                    && Arrays.equals(velocity, x.velocity) && Arrays.equals(image, x.image)
                    && java.util.Objects.equals(format, x.format) && width == x.width && height == x.height;
        }

        @Override
        public int hashCode() {
            return kind;
        }

        @Override
        public String toString() {
            return "Outcome[kind " + kind + ", id " + id + ", instruction " + instruction + ", pose "
                    + Arrays.toString(pose) + ", velocity " + Arrays.toString(velocity) + ", image "
                    + (image == null ? null : image.length + " bytes " + format + " " + width + "x" + height) + "]";
        }
    }

    /** The handler's general path, step by step: parse, type, then the frame's or the metadata's validation. */
    static Outcome tree(byte[] message) {
        VlaFramePool.Slot slot = new VlaFramePool.Slot();
        try {
            ObjectNode msg = Json.parseObject(Unpooled.wrappedBuffer(message));
            JsonNode type = msg.get("type");
            if (type == null || !type.isTextual()) {
                return Outcome.REFUSED;
            }
            switch (type.textValue()) {
                case "frame" -> {
                    Object id = FrameIds.parse(msg.get("frame_id"));
                    FrameTreeReader.parseFrame(msg, null, slot, LIMITS, MAX_STATE_LENGTH);
                    slot.id(id);
                    return Outcome.of(FrameMessageReader.FRAME, slot);
                }
                case "frame_metadata" -> {
                    Object id = FrameTreeReader.metadataId(msg);
                    FrameTreeReader.parseFrame(msg, Unpooled.wrappedBuffer(JPEG), slot, LIMITS, MAX_STATE_LENGTH);
                    slot.id(id);
                    return Outcome.of(FrameMessageReader.METADATA, slot);
                }
                default -> {
                    return Outcome.REFUSED;
                }
            }
        } catch (ProtocolException e) {
            return Outcome.REFUSED;
        }
    }

    static Outcome read(FrameMessageReader reader, byte[] message, boolean direct) {
        VlaFramePool.Slot slot = new VlaFramePool.Slot();
        ByteBuf buf;
        if (direct) {
            buf = Unpooled.directBuffer(message.length).writeBytes(message);
        } else { // a heap buffer whose content starts 7 bytes into its array
            byte[] padded = new byte[message.length + 7];
            System.arraycopy(message, 0, padded, 7, message.length);
            buf = Unpooled.wrappedBuffer(padded, 7, message.length);
        }
        try {
            int kind = reader.read(buf, slot);
            assertThat(buf.readerIndex()).as("the message is not consumed").isZero();
            return kind == FrameMessageReader.NOT_HANDLED ? Outcome.REFUSED : Outcome.of(kind, slot);
        } finally {
            buf.release();
        }
    }

    // ------------------------------------------------------------------------------------------------ properties

    @Property(tries = 4000)
    void whatTheReaderTakesTheTreePathBuildsTheSame(@ForAll("messages") byte[] message) {
        Outcome fast = read(reader(), message, message.length % 2 == 0);
        TRIED.incrementAndGet();
        if (fast.kind() == FrameMessageReader.NOT_HANDLED) {
            return;
        }
        READ.incrementAndGet();
        Outcome tree = tree(message);
        assertThat(fast).as("read from %s", new String(message, StandardCharsets.UTF_8)).isEqualTo(tree);
    }

    @AfterContainer
    static void theMessagesExercisedBothPaths() {
        // a generator whose messages the reader never took, or always took, would prove nothing
        assertThat(READ.get()).as("messages read without a tree, of %d", TRIED.get())
                .isBetween(TRIED.get() / 10, TRIED.get() * 9 / 10);
    }

    @Provide
    Arbitrary<byte[]> messages() {
        return Arbitraries.randomValue(r -> new Messages(r).message());
    }

    @Property(tries = 3000)
    void canonicalBase64DecodesAsTheJdkDoesAndAnythingElseIsLeftToIt(@ForAll("base64") String text) {
        byte[] src = text.getBytes(StandardCharsets.ISO_8859_1);
        byte[] dst = new byte[src.length];
        int n = EncodedImages.decodeBase64(src, 0, src.length, dst);
        byte[] jdk;
        try {
            jdk = Base64.getDecoder().decode(src);
        } catch (IllegalArgumentException e) {
            assertThat(n).as("the JDK refuses '%s'", text).isEqualTo(-1);
            return;
        }
        if (n >= 0) {
            assertThat(Arrays.copyOf(dst, n)).isEqualTo(jdk);
        } else {
            assertThat(src.length % 4 != 0 || src.length == 0).as("'%s' is canonical base64", text).isTrue();
        }
    }

    @Provide
    Arbitrary<String> base64() {
        return Arbitraries.randomValue(r -> {
            byte[] raw = new byte[r.nextInt(12)];
            r.nextBytes(raw);
            StringBuilder s = new StringBuilder(Base64.getEncoder().encodeToString(raw));
            for (int k = r.nextInt(3); k > 0 && s.length() > 0; k--) { // a few characters replaced or cut
                int at = r.nextInt(s.length());
                if (r.nextBoolean()) {
                    String others = "A/+=_-:. \u00e9";
                    s.setCharAt(at, others.charAt(r.nextInt(others.length())));
                } else {
                    s.setLength(at);
                }
            }
            return s.toString();
        });
    }

    // ------------------------------------------------------------------------------------------------ examples

    @Test
    void readsTheSeedsMessagesAndTheLoadToolsFrame() {
        String b64 = Base64.getEncoder().encodeToString(JPEG);
        FrameMessageReader reader = reader();
        Outcome seed = read(reader, ("{\"type\": \"frame\", \"image\": \"data:image/jpeg;base64," + b64 + "\", "
                + "\"instruction\": \"pick up the red cube\", \"robot_state\": {\"pose\": [0.3, 0, 0.5, 0, 0, 0.1], "
                + "\"velocity\": [0, 0, 0, 0, 0, -0.25]}}").getBytes(StandardCharsets.UTF_8), true);
        assertThat(seed.kind()).isEqualTo(FrameMessageReader.FRAME);
        assertThat(seed.image()).isEqualTo(JPEG);
        assertThat(seed.format()).isEqualTo("jpeg");
        assertThat(seed.width()).isEqualTo(9);
        assertThat(seed.instruction()).isEqualTo("pick up the red cube");
        assertThat(seed.pose()).containsExactly(0.3f, 0, 0.5f, 0, 0, 0.1f);
        assertThat(seed.velocity()).containsExactly(0, 0, 0, 0, 0, -0.25f);
        assertThat(seed.id()).isNull();

        Outcome load = read(reader, ("{\"type\":\"frame\",\"frame_id\":42,\"image\":\"" + b64
                + "\",\"instruction\":\"pick\"}").getBytes(StandardCharsets.UTF_8), false);
        assertThat(load.id()).isEqualTo(42L);
        assertThat(load.pose()).isEmpty();

        Outcome meta = read(reader, ("{\"type\": \"frame_metadata\", \"timestamp\": 1641234567890, \"frameNumber\": "
                + "123, \"width\": 1920, \"height\": 1080, \"format\": \"jpeg\", \"instruction\": \"pick\", "
                + "\"robot_state\": {\"pose\": [1, 2], \"velocity\": []}}").getBytes(StandardCharsets.UTF_8), true);
        assertThat(meta.kind()).isEqualTo(FrameMessageReader.METADATA);
        assertThat(meta.id()).isEqualTo(123L);
        assertThat(meta.pose()).containsExactly(1, 2);
    }

    @Test
    void leavesEveryOtherMessageToTheTreePath() {
        String b64 = Base64.getEncoder().encodeToString(JPEG);
        String[] others = {
            "{\"type\":\"auth\",\"api_key\":\"k\"}", "{\"type\":\"stats\"}", "[1]", "", "{}",
            "{\"image\":\"" + b64 + "\"}", // no type
            "{\"type\":\"frame\"}", // no image
            "{\"type\":\"frame\",\"image\":\"" + b64 + "\"} {}", // trailing value
            "{\"type\":\"frame\",\"image\":\"" + b64.substring(0, b64.length() - 1) + "\"}", // not canonical base64
            "{\"type\":\"frame\",\"image\":\"data:image/gif;base64," + b64 + "\"}",
            "{\"type\":\"frame\",\"image\":\"" + Base64.getEncoder().encodeToString(BIG_PNG_HEADER) + "\"}",
            "{\"type\":\"frame\",\"image\":\"" + b64 + "\",\"robot_state\":{\"pose\":[NaN]}}",
            "{\"type\":\"frame\",\"image\":\"" + b64 + "\",\"robot_state\":{\"pose\":[1e39]}}", // not a float
            "{\"type\":\"frame\",\"image\":\"" + b64 + "\",\"robot_state\":{\"pose\":[" + "0,".repeat(12) + "0]}}",
            "{\"type\":\"frame\",\"image\":\"" + b64 + "\",\"frame_id\":1.5}",
            "{\"type\":\"frame\",\"image\":\"" + b64 + "\",\"frame_id\":\"" + "x".repeat(129) + "\"}",
            "{\"type\":\"frame\",\"type\":\"frame\",\"image\":\"" + b64 + "\"}",
            "{\"type\":\"fr\\u0061me\",\"image\":\"" + b64 + "\"}",
            "{\"type\":\"frame_metadata\",\"format\":\"gif\"}",
        };
        FrameMessageReader reader = reader();
        for (String m : others) {
            assertThat(read(reader, m.getBytes(StandardCharsets.UTF_8), true).kind()).as(m)
                    .isEqualTo(FrameMessageReader.NOT_HANDLED);
        }
    }

    @Test
    void aSteadyStreamOfFramesAllocatesNothing() {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        String b64 = Base64.getEncoder().encodeToString(JPEG);
        ByteBuf[] messages = new ByteBuf[3];
        for (int i = 0; i < messages.length; i++) {
            String m = "{\"type\":\"frame\",\"frame_id\":" + (1000 + i) + ",\"image\":\"data:image/jpeg;base64,"
                    + b64 + "\",\"instruction\":\"pick up the cube\",\"robot_state\":{\"pose\":[0.3," + i
                    + ",0.5,-1.25e-3],\"velocity\":[0.30000000000000004,0,0,0]}}";
            messages[i] = Unpooled.directBuffer().writeBytes(m.getBytes(StandardCharsets.UTF_8));
        }
        FrameMessageReader reader = reader();
        VlaFramePool.Slot slot = new VlaFramePool.Slot();
        for (int i = 0; i < 20_000; i++) { // warm up: compiled code, grown buffers
            assertThat(reader.read(messages[i % 3], slot)).isEqualTo(FrameMessageReader.FRAME);
        }
        long before = mx.getThreadAllocatedBytes(Thread.currentThread().getId());
        int n = 10_000;
        int frames = 0;
        for (int i = 0; i < n; i++) {
            frames += reader.read(messages[i % 3], slot);
        }
        long bytes = mx.getThreadAllocatedBytes(Thread.currentThread().getId()) - before;
        assertThat(frames).isEqualTo(n);
        assertThat(bytes / (double) n).as("bytes allocated per frame read").isLessThan(8);
        for (ByteBuf m : messages) {
            m.release();
        }
    }

    // ------------------------------------------------------------------------------------------------ generator

    /**
     * Messages as clients send them, half of them clean (every value one the protocol allows, the reader's to take)
     * and half of them dirty (any value, invalid JSON, escapes in keys, repeated keys, random bytes changed).
     */
    static final class Messages {
        final Random r;
        final boolean clean;

        Messages(Random r) {
            this.r = r;
            this.clean = r.nextBoolean();
        }

        /** One of the options; dirty messages may also get one of the {@code dirty} ones. */
        String pick(String[] options, String... dirty) {
            if (!clean && dirty.length > 0 && r.nextInt(3) == 0) {
                return dirty[r.nextInt(dirty.length)];
            }
            return options[r.nextInt(options.length)];
        }

        String ws() {
            return r.nextInt(4) > 0 ? "" : pick(new String[]{" ", "\n  ", "\t", "\r\n"}, " \u000b"); // not JSON
        }

        String field(String key, String value) {
            return "\"" + key + "\"" + ws() + ":" + ws() + value;
        }

        byte[] message() {
            List<String> fields = new ArrayList<>();
            fields.add(field(pick(new String[]{"type"}, "typ\\u0065"), pick(new String[]{"\"frame\"",
                "\"frame_metadata\""}, "\"stats\"", "5", "\"fr\\u0061me\"", "null")));
            if (clean || r.nextInt(8) > 0) {
                fields.add(field(pick(new String[]{"image"}, "im\\u0061ge"), image()));
            }
            if (r.nextBoolean()) {
                fields.add(field("instruction", pick(new String[]{string(4096), string(4096), "null"}, "7", "[]",
                        string(4100))));
            }
            if (r.nextBoolean()) {
                fields.add(field("robot_state", robotState()));
            }
            if (r.nextInt(3) == 0) {
                fields.add(field("frame_id", pick(new String[]{integer(), string(128), "null"}, "1.0", "{}",
                        string(130), "99999999999999999999999")));
            }
            if (r.nextInt(3) == 0) {
                fields.add(field("frameNumber", pick(new String[]{integer(), "null"}, "\"12\"", "2.5")));
            }
            if (r.nextInt(4) == 0) {
                fields.add(field("format", pick(new String[]{"\"jpeg\"", "\"png\"", "\"jpg\"", "null"},
                        "\"JPEG\"", "7")));
            }
            for (int k = r.nextInt(3); k > 0; k--) {
                fields.add(field(pick(new String[]{"timestamp", "width", "k\u00e9y"}, "x".repeat(300),
                        "k\\u00e9y"), value(0)));
            }
            if (!clean && r.nextInt(10) == 0) {
                fields.add(fields.get(r.nextInt(fields.size()))); // a repeated key
            }
            Collections.shuffle(fields, r);
            byte[] m = (ws() + "{" + ws() + String.join(ws() + "," + ws(), fields) + ws() + "}" + ws())
                    .getBytes(StandardCharsets.UTF_8);
            return clean || r.nextInt(3) > 0 ? m : mutate(m);
        }

        String image() {
            String b64 = Base64.getEncoder().encodeToString(clean ? (r.nextBoolean() ? JPEG : PNG) : FrameMessageReaderTest.pick(r, JPEG,
                    PNG, BIG_PNG_HEADER, Arrays.copyOf(JPEG, 12), "not an image".getBytes(StandardCharsets.US_ASCII)));
            String prefix = pick(new String[]{"", "data:image/jpeg;base64,", "data:image/jpg;base64,",
                "data:IMAGE/PNG;Base64,"}, "data:image/gif;base64,", "DATA:image/jpeg;base64,", "data:image/jpeg,");
            String body = pick(new String[]{b64}, b64.replace("=", ""), b64.replace("/", "\\/"), "", "@@@@");
            return pick(new String[]{"\"" + prefix + body + "\""}, "42", "null", "{}");
        }

        String robotState() {
            if (!clean && r.nextInt(5) == 0) {
                return FrameMessageReaderTest.pick(r, "null", "[1,2]", "\"x\"");
            }
            List<String> fields = new ArrayList<>();
            int room = MAX_STATE_LENGTH;
            for (String key : new String[]{"pose", "velocity"}) {
                if (r.nextInt(4) > 0) {
                    int n = r.nextInt(room / 2 + 1);
                    room -= n;
                    fields.add(field(key, numbers(n)));
                }
            }
            if (r.nextInt(5) == 0) {
                fields.add(field(pick(new String[]{"frame"}, "po\\u0073e"), value(2)));
            }
            Collections.shuffle(fields, r);
            return "{" + String.join("," + ws(), fields) + "}";
        }

        String numbers(int n) {
            if (!clean && r.nextInt(8) == 0) {
                return FrameMessageReaderTest.pick(r, "null", "{}", "[1,\"x\"]", "[1,null]", "[" + "1,".repeat(4096) + "1]",
                        "[" + "0,".repeat(MAX_STATE_LENGTH) + "0]");
            }
            List<String> values = new ArrayList<>();
            for (int k = n; k > 0; k--) {
                values.add(number());
            }
            return r.nextInt(10) == 0 ? "null" : "[" + ws() + String.join(ws() + "," + ws(), values) + ws() + "]";
        }

        String number() {
            switch (r.nextInt(clean ? 6 : 7)) {
                case 0: return FrameMessageReaderTest.pick(r, "0", "-0", "-0.0", "1E5", "1e-7", "2.5E+3",
                        "0.30000000000000004", "-1e-400", "3.4e38", integer());
                case 1: return Double.toString(r.nextGaussian() * Math.pow(10, r.nextInt(60) - 30));
                case 2: return Float.toString((float) r.nextGaussian());
                case 3: { // many digits, around the edges of the fast paths
                    StringBuilder s = new StringBuilder(r.nextBoolean() ? "-" : "");
                    s.append(1 + r.nextInt(9));
                    for (int i = r.nextInt(25); i > 0; i--) {
                        s.append(r.nextInt(10));
                    }
                    if (r.nextBoolean()) {
                        s.insert(s.length() - 1, '.');
                    }
                    if (r.nextInt(3) == 0) {
                        s.append('e').append(r.nextInt(60) - 30);
                    }
                    return s.toString();
                }
                case 4: return Math.round(r.nextGaussian() * 1000) / 1000.0 + "";
                case 5: return Integer.toString(r.nextInt(2000) - 1000);
                default: return FrameMessageReaderTest.pick(r, "NaN", "-Infinity", "1e400", "3.5e38", "01", "1.",
                        ".5", "+1", "-");
            }
        }

        String integer() {
            return FrameMessageReaderTest.pick(r, Integer.toString(r.nextInt(1000)), Long.toString(r.nextLong()),
                    "123456789012345678", "-0", clean ? "7" : "1234567890123456789");
        }

        String string(int maxLength) {
            if (r.nextInt(20) == 0) {
                return "\"" + "a".repeat(maxLength - 4 + r.nextInt(4)) + "\"";
            }
            StringBuilder s = new StringBuilder("\"");
            for (int i = r.nextInt(12); i > 0; i--) {
                s.append(pick(new String[]{"a", "Z", " ", "\u00e9", "\u65e5\u672c", "\ud83d\ude00", "'", "/",
                    "\\\"", "\\\\", "\\/", "\\n", "\\t", "\\b", "\\f", "\\r", "\\u00e9", "\\ud83d\\ude00", "\\ud800",
                    "\\u001F"}, "\\x", "\n", "\u0001"));
            }
            return s.append('"').toString();
        }

        String value(int depth) {
            switch (depth > 10 ? 4 : r.nextInt(!clean && depth == 0 && r.nextInt(20) == 0 ? 8 : 7)) {
                case 0: return "{" + field("k", value(depth + 1)) + "}";
                case 1: return "[" + value(depth + 1) + "," + ws() + value(depth + 1) + "]";
                case 2: return string(20);
                case 3: return number();
                case 4: return pick(new String[]{"true", "false", "null"}, "tru", "nul");
                case 5: return "[]";
                case 6: return "{}";
                default: return "[".repeat(20) + "]".repeat(20); // deeper than the reader goes
            }
        }

        byte[] mutate(byte[] m) {
            byte[] b = m.clone();
            for (int k = 1 + r.nextInt(3); k > 0 && b.length > 0; k--) {
                b[r.nextInt(b.length)] = (byte) r.nextInt(256);
            }
            return r.nextInt(3) == 0 && b.length > 0 ? Arrays.copyOf(b, r.nextInt(b.length)) : b;
        }
    }

    @SafeVarargs
    static <T> T pick(Random r, T... options) {
        return options[r.nextInt(options.length)];
    }
}
