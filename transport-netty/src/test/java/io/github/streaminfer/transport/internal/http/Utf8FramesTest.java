package io.github.streaminfer.transport.internal.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@link Utf8Frames} agrees with the JDK's strict UTF-8 decoder, however a text is split, and refuses with 1007. */
class Utf8FramesTest {

    private static boolean jdkAccepts(byte[] b) {
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }

    /** Feeds {@code b} in parts cut at {@code cuts} random places, as heap, direct or composite buffers. */
    private static boolean ourCheckAccepts(byte[] b, Random r, int cuts) {
        Utf8Frames.Utf8Check c = new Utf8Frames.Utf8Check();
        int from = 0;
        for (int k = 0; k <= cuts; k++) {
            int to = k == cuts ? b.length : from + r.nextInt(b.length - from + 1);
            ByteBuf part = switch (r.nextInt(3)) {
                case 0 -> Unpooled.wrappedBuffer(b, from, to - from);
                case 1 -> Unpooled.directBuffer(to - from).writeBytes(b, from, to - from);
                default -> composite(b, from, to, r);
            };
            try {
                if (!c.feed(part)) {
                    return false;
                }
            } finally {
                part.release();
            }
            from = to;
        }
        return c.complete();
    }

    private static ByteBuf composite(byte[] b, int from, int to, Random r) {
        CompositeByteBuf c = Unpooled.compositeBuffer();
        int mid = from + r.nextInt(to - from + 1);
        c.addComponent(true, Unpooled.wrappedBuffer(b, from, mid - from));
        c.addComponent(true, Unpooled.directBuffer(to - mid).writeBytes(b, mid, to - mid));
        return c;
    }

    @Test
    void agreesWithTheJdkOnValidTextAndOnEveryKindOfDamage() {
        Random r = new Random(11);
        String[] alphabet = {"a", "{\"k\":", "é", "ß", "€", "中", "\uD83D\uDE00", "\u0000", "\u07FF", "\u0800",
            "\uFFFF", "\uDBFF\uDFFF"};
        int accepted = 0;
        int refused = 0;
        for (int n = 0; n < 20_000; n++) {
            StringBuilder s = new StringBuilder();
            int len = r.nextInt(40);
            for (int i = 0; i < len; i++) {
                s.append(r.nextInt(3) == 0 ? alphabet[r.nextInt(alphabet.length)] : "abcdefgh");
            }
            byte[] b = s.toString().getBytes(StandardCharsets.UTF_8);
            int damage = r.nextInt(3);
            for (int d = 0; d < damage && b.length > 0; d++) {
                b[r.nextInt(b.length)] = (byte) r.nextInt(256);
            }
            if (r.nextInt(10) == 0 && b.length > 0) {
                b = java.util.Arrays.copyOf(b, b.length - 1); // a cut character
            }
            boolean expected = jdkAccepts(b);
            assertThat(ourCheckAccepts(b, r, r.nextInt(4))).as("%s", java.util.HexFormat.of().formatHex(b))
                    .isEqualTo(expected);
            if (expected) {
                accepted++;
            } else {
                refused++;
            }
        }
        assertThat(accepted).as("valid texts tried").isGreaterThan(3000);
        assertThat(refused).as("damaged texts tried").isGreaterThan(3000);
    }

    @Test
    void refusesTheFormsRfc3629Forbids() {
        Random r = new Random(3);
        String[] forbidden = {"C0 80", "C1 BF", "E0 80 80", "E0 9F BF", "ED A0 80", "ED BF BF", "F0 80 80 80",
            "F0 8F BF BF", "F4 90 80 80", "F5 80 80 80", "FF", "80", "BF", "E2 82", "F0 9F 98"};
        for (String hex : forbidden) {
            byte[] b = java.util.HexFormat.ofDelimiter(" ").parseHex(hex);
            assertThat(ourCheckAccepts(b, r, 1)).as(hex).isFalse();
        }
        for (String hex : new String[]{"C2 80", "DF BF", "E0 A0 80", "ED 9F BF", "EE 80 80", "F0 90 80 80",
            "F4 8F BF BF"}) {
            assertThat(ourCheckAccepts(java.util.HexFormat.ofDelimiter(" ").parseHex(hex), r, 1)).as(hex).isTrue();
        }
    }

    @Test
    void aFragmentedTextIsCheckedAcrossItsFragmentsAndBinaryIsNot() {
        EmbeddedChannel ch = new EmbeddedChannel(new Utf8Frames());
        byte[] euro = "€".getBytes(StandardCharsets.UTF_8);
        ch.writeInbound(new TextWebSocketFrame(false, 0, Unpooled.wrappedBuffer(euro, 0, 1)));
        ch.writeInbound(new ContinuationWebSocketFrame(false, 0, Unpooled.wrappedBuffer(euro, 1, 1)));
        ch.writeInbound(new ContinuationWebSocketFrame(true, 0, Unpooled.wrappedBuffer(euro, 2, 1)));
        ch.writeInbound(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(new byte[]{(byte) 0xFF})));
        for (int i = 0; i < 4; i++) {
            WebSocketFrame f = ch.readInbound();
            assertThat(f).as("message %d passed", i).isNotNull();
            f.release();
        }
        // a text whose last fragment leaves a character unfinished
        ch.writeInbound(new TextWebSocketFrame(false, 0, Unpooled.wrappedBuffer(euro, 0, 2)));
        ((WebSocketFrame) ch.readInbound()).release();
        ContinuationWebSocketFrame end = new ContinuationWebSocketFrame(true, 0, Unpooled.wrappedBuffer("x".getBytes()));
        assertThatThrownBy(() -> ch.writeInbound(end)).isInstanceOf(CorruptedWebSocketFrameException.class)
                .satisfies(e -> assertThat(((CorruptedWebSocketFrameException) e).closeStatus())
                        .isEqualTo(WebSocketCloseStatus.INVALID_PAYLOAD_DATA))
                .hasMessage("text message is not valid UTF-8");
        assertThat(end.refCnt()).as("the refused fragment is released").isZero();
        ch.finishAndReleaseAll();
    }
}
