package io.github.streaminfer.transport.internal.vla;

import com.fasterxml.jackson.core.JsonGenerator;
import io.github.streaminfer.transport.ActionOut;
import io.github.streaminfer.transport.internal.http.FrameIds;
import io.github.streaminfer.transport.internal.http.Json;
import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The reused generator writes, message after message, exactly the bytes a fresh Jackson generator writes for the same
 * action: every float and double spelled as {@code Float.toString}/{@code Double.toString} do (Jackson's quoted form
 * for NaN and the infinities), the timestamp as {@code BigDecimal.valueOf(millis, 3)}; and frame ids are echoed from
 * {@link FrameIds}.
 */
class ActionMessageWriterTest {
    static final ByteBufAllocator ALLOC = UnpooledByteBufAllocator.DEFAULT;
    static final float[] EDGE_FLOATS = {0f, -0f, 1f, -1f, 0.1f, 0.3f, 1e-7f, 1.0E7f, 123456.78f, Float.MIN_VALUE,
        Float.MIN_NORMAL, Float.MAX_VALUE, -Float.MAX_VALUE, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY};
    static final double[] EDGE_DOUBLES = {0, -0.0, 1, 0.95, 1e-3, 45.012, 1e21, 1e-300, Double.MIN_VALUE,
        Double.MAX_VALUE, Double.NaN, Double.POSITIVE_INFINITY};

    /** What the handler wrote before: a fresh generator per message, numbers through Jackson's own writers. */
    static String reference(FrameIds ids, long seq, long unixMillis, ActionOut a, long latencyNanos)
            throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (JsonGenerator g = Json.FACTORY.createGenerator(bytes)) {
            g.writeStartObject();
            g.writeStringField("type", "action");
            ids.write(g, seq);
            g.writeNumberField("timestamp", BigDecimal.valueOf(unixMillis, 3));
            g.writeArrayFieldStart("action");
            for (int i = 0; i < a.dim(); i++) {
                g.writeNumber(a.values()[i]);
            }
            g.writeEndArray();
            g.writeNumberField("safety_score", a.safetyScore());
            g.writeNumberField("latency_ms", Json.millis(latencyNanos));
            g.writeBooleanField("smoothed", a.smoothed());
            g.writeBooleanField("executable", a.executable());
            if (a.interventions() != 0) {
                g.writeNumberField("interventions", a.interventions());
            }
            if (a.horizon() > 1) {
                g.writeArrayFieldStart("action_chunk");
                for (int h = 0; h < a.horizon(); h++) {
                    g.writeStartArray();
                    for (int i = 0; i < a.dim(); i++) {
                        g.writeNumber(a.values()[h * a.dim() + i]);
                    }
                    g.writeEndArray();
                }
                g.writeEndArray();
            }
            g.writeEndObject();
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    static String text(ByteBuf buf) {
        try {
            return buf.toString(StandardCharsets.UTF_8);
        } finally {
            buf.release();
        }
    }

    static float randomFloat(Random rnd) {
        switch (rnd.nextInt(4)) {
            case 0: return EDGE_FLOATS[rnd.nextInt(EDGE_FLOATS.length)];
            case 1: return Float.intBitsToFloat(rnd.nextInt()); // any bit pattern, NaNs included
            case 2: return (float) (rnd.nextGaussian() * Math.pow(10, rnd.nextInt(12) - 6));
            default: return Math.round(rnd.nextFloat() * 2000 - 1000) / 100f;
        }
    }

    @Test
    void writesTheBytesOfAFreshGeneratorMessageAfterMessage() throws IOException {
        Random rnd = new Random(42);
        ActionMessageWriter writer = new ActionMessageWriter();
        FrameIds ids = new FrameIds();
        ActionOut a = new ActionOut();
        for (int n = 1; n <= 3000; n++) {
            switch (n % 3) {
                case 0 -> ids.putNumber(n, rnd.nextLong());
                case 1 -> ids.putText(n, "cam0-\"" + n + "\"\n\u00e9\u30d4");
                default -> ids.putNone(n);
            }
            int horizon = 1 + rnd.nextInt(3);
            int dim = 1 + rnd.nextInt(8);
            float[] v = new float[horizon * dim];
            for (int i = 0; i < v.length; i++) {
                v[i] = randomFloat(rnd);
            }
            a.clear();
            a.chunk(v, 0, horizon, dim).smoothed(rnd.nextBoolean()).executable(rnd.nextBoolean())
                    .interventions(rnd.nextInt(3))
                    .safetyScore(rnd.nextInt(4) == 0 ? EDGE_DOUBLES[rnd.nextInt(EDGE_DOUBLES.length)] : rnd.nextDouble());
            long millis = n < 20 ? n * 7L - 40 : 1_699_564_845_000L + rnd.nextInt(1_000_000);
            long latency = rnd.nextInt(3) == 0 ? rnd.nextLong() : rnd.nextInt(100_000_000);
            String expected = reference(ids, n, millis, a, latency);
            assertThat(text(writer.action(ALLOC, ids, n, millis, a, latency))).as("message %d", n).isEqualTo(expected);
        }
    }

    @Test
    void errorsMatchAFreshGeneratorAndAFailedMessageLeavesTheNextOneIntact() throws IOException {
        ActionMessageWriter writer = new ActionMessageWriter();
        FrameIds ids = new FrameIds();
        ids.putText(5, "f5");
        assertThat(text(writer.error(ALLOC, ids, 5, "invalid_input", "invalid frame: corrupt \"image\"")))
                .isEqualTo("{\"type\":\"error\",\"code\":\"invalid_input\",\"message\":\"invalid frame: corrupt "
                        + "\\\"image\\\"\",\"frame_id\":\"f5\"}");
        ActionOut broken = new ActionOut().chunk(new float[]{1, 2}, 0, 1, 2);
        ByteBufAllocator failing = new AbstractByteBufAllocator(false) { // buffers too small for any message
            @Override
            protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
                return Unpooled.buffer(8, 8);
            }

            @Override
            protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
                return Unpooled.buffer(8, 8);
            }

            @Override
            public boolean isDirectBufferPooled() {
                return false;
            }
        };
        try {
            writer.action(failing, ids, 6, 1000, broken, 0);
            throw new AssertionError("an 8-byte buffer cannot hold an action");
        } catch (IndexOutOfBoundsException expected) {
            // the generator is discarded with the half-written message
        }
        assertThat(text(writer.action(ALLOC, ids, 7, 1000, broken, 2_000_000)))
                .isEqualTo("{\"type\":\"action\",\"frame_id\":7,\"timestamp\":1.000,\"action\":[1.0,2.0],"
                        + "\"safety_score\":1.0,\"latency_ms\":2.0,\"smoothed\":false,\"executable\":true}");
    }

    @Test
    void writingActionsAllocatesNothing() throws IOException {
        ByteBuf reused = Unpooled.buffer(1024);
        ByteBufAllocator same = new AbstractByteBufAllocator(false) { // hands out one buffer again and again
            @Override
            protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
                return reused.clear().retain();
            }

            @Override
            protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
                return newHeapBuffer(initialCapacity, maxCapacity);
            }

            @Override
            public boolean isDirectBufferPooled() {
                return false;
            }
        };
        ActionMessageWriter writer = new ActionMessageWriter();
        FrameIds ids = new FrameIds();
        ActionOut a = new ActionOut().chunk(new float[]{0.05f, -0.02f, 0.1f, 0, 0, 0.1f, 1f}, 0, 1, 7)
                .safetyScore(0.95).smoothed(true);
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory
                .getThreadMXBean();
        long before = 0;
        int n = 10_000;
        for (int i = 1; i <= 3 * n; i++) {
            if (i == 2 * n + 1) { // after warming up
                before = mx.getThreadAllocatedBytes(Thread.currentThread().getId());
            }
            ids.putNumber(i, 1000L + i);
            writer.action(same, ids, i, 1_699_564_845_123L + i, a, 45_012_345L + i).release();
        }
        double perMessage = (mx.getThreadAllocatedBytes(Thread.currentThread().getId()) - before) / (double) n;
        assertThat(perMessage).as("bytes allocated per action written").isLessThan(8);
    }

    @Test
    void frameIdsEchoNumbersTextsOrTheSequenceNumber() {
        FrameIds ids = new FrameIds();
        ids.putNumber(1, 123);
        ids.putText(2, "cam0-000123");
        ids.putNone(3);
        ids.put(4, 9L);
        ids.put(5, "x");
        ids.put(6, null);
        assertThat(ids.get(1)).isEqualTo(123L);
        assertThat(ids.get(2)).isEqualTo("cam0-000123");
        assertThat(ids.get(3)).isEqualTo(3L);
        assertThat(ids.get(4)).isEqualTo(9L);
        assertThat(ids.get(5)).isEqualTo("x");
        assertThat(ids.get(6)).isEqualTo(6L);
        ids.putNumber(1 + 1024, 77);
        assertThat(ids.get(1)).as("overwritten by a frame 1024 later").isEqualTo(1L);
        assertThat(ids.get(1 + 1024)).isEqualTo(77L);
        ids.putNone(2 + 1024);
        assertThat(ids.get(2)).isEqualTo(2L);
    }
}
