package io.github.streaminfer.transport.internal.http;

import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * JSON bodies are parsed within a token budget, and text that reaches a message or a log line is escaped; image
 * headers refuse what costs more to decode than any model here can use.
 */
class MessageParsingLimitsTest {

    private static io.netty.buffer.ByteBuf utf8(String s) {
        return Unpooled.wrappedBuffer(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aMessageWithMoreTokensThanTheBudgetIsRefusedWhereverItIsParsed() {
        StringBuilder many = new StringBuilder("{\"a\":[0");
        for (int i = 0; i < 300; i++) {
            many.append(",0");
        }
        many.append("]}");
        assertThatThrownBy(() -> Json.parseObject(utf8(many.toString()), Json.mapper(100)))
                .isInstanceOf(ProtocolException.class)
                .hasMessage("message has more than 100 JSON tokens (names, values and brackets); allowed: at most 100"
                        + " (MessageLimits.maxJsonTokens)");
    }

    @Test
    void aMessageWithinTheBudgetParses() throws Exception {
        assertThat(Json.parseObject(utf8("{\"a\":[1,2,3]}"), Json.mapper(100)).get("a").size()).isEqualTo(3);
    }

    @Test
    void truncatedTextCannotBreakALogLine() {
        String hostile = "key\n2026-12-07 INFO forged\u001b[31m\u2028";
        String safe = Json.truncate(hostile, 200);
        assertThat(safe).doesNotContain("\n").doesNotContain("\u001b").doesNotContain("\u2028")
                .startsWith("key\\n2026-12-07 INFO forged\\u001b[31m");
        assertThat(Json.truncate("x".repeat(100_000), 40)).endsWith("...(100000 chars)").hasSize(40 + 17);
    }

    @Test
    void sixteenBitPngsAreRefusedFromTheHeader() {
        byte[] png = png(5000, 5000, 16, 6);
        assertThatThrownBy(() -> EncodedImages.probe(png, png.length, Long.MAX_VALUE))
                .isInstanceOf(ProtocolException.class)
                .hasMessageContaining("PNG has 16 bits per channel with an alpha channel; allowed: 8 or fewer");
    }

    @Test
    void eightBitPngsWithAlphaPassTheHeaderCheck() throws Exception {
        byte[] png = png(64, 64, 8, 6);
        assertThat(EncodedImages.probe(png, png.length, 1 << 20).width()).isEqualTo(64);
    }

    @Test
    void twelveBitJpegsAreRefusedFromTheHeader() {
        byte[] jpeg = {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, (byte) 0xC1, 0, 11, 12, 0, 16, 0, 16, 3, 0, 0, 0};
        assertThatThrownBy(() -> EncodedImages.probe(jpeg, jpeg.length, Long.MAX_VALUE))
                .hasMessageContaining("JPEG has 12 bits per sample; allowed: 8");
    }

    @Test
    void anImageOverTheByteBudgetIsRefused() {
        assertThatThrownBy(() -> EncodedImages.checkBytes(2000, 1000))
                .hasMessage("image has 2000 bytes; allowed: at most 1000 (MessageLimits.maxImageBytes)");
    }

    /** The signature and IHDR of a PNG: all the header check reads. */
    private static byte[] png(int w, int h, int depth, int colourType) {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(33);
        b.put(new byte[]{(byte) 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A});
        b.putInt(13).put("IHDR".getBytes(StandardCharsets.US_ASCII)).putInt(w).putInt(h).put((byte) depth)
                .put((byte) colourType).put((byte) 0).put((byte) 0).put((byte) 0).putInt(0);
        return b.array();
    }
}
