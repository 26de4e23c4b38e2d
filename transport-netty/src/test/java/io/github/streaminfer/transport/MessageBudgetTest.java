package io.github.streaminfer.transport;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.streaminfer.transport.TestSupport.Msg;
import io.github.streaminfer.transport.TestSupport.Ws;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import static io.github.streaminfer.transport.TestSupport.KEY_PRO;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * What one message may cost before the server refuses it: the size of anything sent before {@code auth}, the JSON
 * tokens of any message, the msgpack entries of an openpi observation, and the image budgets (pixels, bytes, bit
 * depth) that keep a decode bomb off the shared workers. Each is refused with the server's own error and the
 * connection handled as PROTOCOL.md says.
 */
class MessageBudgetTest {
    private static StreamingServer server;

    @BeforeAll
    static void start() {
        server = TestSupport.fullServer(ServerLimits.DEFAULT, TestSupport.keys()).start();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void aClientStillSendingTheRefusedMessageReadsItsAnswerBeforeTheConnectionEnds() throws Exception {
        try (RawClient c = RawClient.connect(server)) {
            c.upgrade("/v1/stream", "");
            assertThat(c.readHead()).startsWith("HTTP/1.1 101");
            long announced = 12_000_000;
            byte[] head = new byte[14];
            head[0] = (byte) 0x81; // FIN, text
            head[1] = (byte) (0x80 | 127); // masked, 64-bit length; the mask key stays 0, so the payload is as sent
            for (int i = 0; i < 8; i++) {
                head[2 + i] = (byte) (announced >>> (56 - 8 * i));
            }
            java.util.concurrent.atomic.AtomicBoolean sendFailed = new java.util.concurrent.atomic.AtomicBoolean();
            Thread sender = new Thread(() -> { // the rest of the 12 MB, as a client that reads while it sends
                try {
                    c.out.write(head);
                    byte[] chunk = new byte[64 * 1024];
                    for (long sent = 0; sent < announced; sent += chunk.length) {
                        c.out.write(chunk);
                    }
                } catch (java.io.IOException e) {
                    sendFailed.set(true);
                }
            }, "sender");
            sender.start();
            byte[] error = c.readFrame();
            assertThat(error[0]).as("opcode of the first answer").isEqualTo((byte) 1);
            assertThat(new String(error, 1, error.length - 1, StandardCharsets.UTF_8)).contains("auth_too_large");
            byte[] close = c.readFrame();
            assertThat(close[0]).as("opcode of the second answer").isEqualTo((byte) 8);
            assertThat(((close[1] & 0xFF) << 8) | (close[2] & 0xFF)).isEqualTo(CloseCodes.MESSAGE_TOO_BIG);
            assertThat(sendFailed).as("the connection was reset under the sender before it could read the answer")
                    .isFalse();
            assertThat(c.closedByServer()).as("closed after a bounded hold").isTrue();
            sender.join(10_000);
            assertThat(sendFailed).as("the sender is stopped by the close").isTrue();
        }
    }

    @Test
    void aTwelveMegabyteAuthWithAMillionFieldsIsRefusedUnparsedAndTheConnectionClosedWith1009() throws Exception {
        StringBuilder auth = new StringBuilder(12_100_000).append("{\"type\":\"auth\",\"api_key\":\"")
                .append(KEY_PRO).append('"');
        int fields = 0;
        while (auth.length() < 12_000_000) {
            auth.append(",\"f").append(fields++).append("\":0");
        }
        auth.append('}');
        assertThat(fields).isGreaterThan(1_000_000);
        try (Ws c = Ws.vla(server)) {
            try {
                c.send(auth.toString());
            } catch (java.util.concurrent.CompletionException refusedMidSend) {
                // the server refused the message from its frame header and closed before the client finished
            }
            JsonNode e = c.nextJson();
            assertThat(e.get("type").asText()).isEqualTo("error");
            assertThat(e.get("code").asText()).isEqualTo("auth_too_large");
            assertThat(e.get("message").asText()).contains("before authentication").contains("at most 4096");
            Msg close = c.awaitClose();
            assertThat(close.closeCode()).isEqualTo(CloseCodes.MESSAGE_TOO_BIG);
        }
    }

    @Test
    void anAuthOfUsualSizeIsStillAccepted() throws Exception {
        try (Ws c = Ws.vla(server)) {
            assertThat(c.auth(KEY_PRO, 10).get("type").asText()).isEqualTo("connected");
        }
    }

    @Test
    void anAuthenticatedMessageWithTooManyJsonTokensIsRefusedAndTheConnectionStaysOpen() throws Exception {
        StringBuilder msg = new StringBuilder("{\"type\":\"stats\",\"pad\":[0");
        for (int i = 0; i < 20_000; i++) {
            msg.append(",0");
        }
        msg.append("]}");
        try (Ws c = Ws.vla(server)) {
            c.auth(KEY_PRO, 10);
            c.send(msg.toString());
            JsonNode e = c.nextJson();
            assertThat(e.get("code").asText()).isEqualTo("too_complex");
            assertThat(e.get("message").asText()).contains("more than 16384 JSON tokens")
                    .contains("MessageLimits.maxJsonTokens");
            c.send("{\"type\":\"stats\"}");
            assertThat(c.nextJson().get("type").asText()).isEqualTo("stats");
        }
    }

    @Test
    void anOpenPiObservationWithMillionsOfKeysIsRefusedAtItsMapHeader() throws Exception {
        int keys = 2_700_000;
        MessageBufferPacker p = MessagePack.newDefaultBufferPacker();
        p.packMapHeader(keys);
        for (int i = 0; i < keys; i++) {
            p.packString("k"); // 3 bytes an entry: 8 MB in all, under the 16 MiB message limit
            p.packNil();
        }
        byte[] observation = p.toByteArray();
        try (Ws c = Ws.connect("ws://127.0.0.1:" + server.port() + "/", "Authorization", "Api-Key " + KEY_PRO)) {
            assertThat(c.next().binary()).as("metadata first").isNotNull();
            try {
                c.send(observation);
            } catch (RuntimeException e) {
                throw new AssertionError("send failed; received " + c.inbox, e);
            }
            Msg m = c.next();
            assertThat(m.text()).contains("more than 4096 map entries");
        }
    }

    @Test
    void anOpenPiImageFarLargerThanTheModelInputIsRefusedByItsPixelBudget() throws Exception {
        MessageBufferPacker p = MessagePack.newDefaultBufferPacker();
        p.packMapHeader(1);
        p.packString("observation/image");
        OpenPiSafetyTest.ndarray(p, "|u1", new byte[2364 * 2364 * 3], 2364, 2364, 3);
        try (Ws c = Ws.connect("ws://127.0.0.1:" + server.port() + "/", "Authorization", "Api-Key " + KEY_PRO)) {
            c.next();
            c.send(p.toByteArray());
            assertThat(c.next().text()).contains("[2364, 2364, 3]").contains("OpenPiLimits.maxImagePixels");
        }
    }

    @Test
    void aSixteenBitRgbaPngIsRefusedFromItsHeaderWithAClearError() throws Exception {
        byte[] bomb = BombImages.zeroPng(5000, 5000, 16, 6);
        assertThat(bomb.length).as("small on the wire").isLessThan(400_000);
        try (Ws c = Ws.vla(server)) {
            c.auth(KEY_PRO, 10);
            c.send("{\"type\":\"frame_metadata\",\"format\":\"png\",\"frame_id\":\"bomb\"}");
            c.send(bomb);
            JsonNode e = c.nextJson();
            assertThat(e.get("type").asText()).isEqualTo("error");
            assertThat(e.get("frame_id").asText()).isEqualTo("bomb");
            assertThat(e.get("code").asText()).isEqualTo("unsupported_image");
            assertThat(e.get("message").asText()).contains("16 bits per channel").contains("alpha");
        }
    }

    @Test
    void aPolicyImageAboveThePixelBudgetIsRefusedBeforeDecoding() throws Exception {
        byte[] big = BombImages.zeroPng(2000, 2000, 8, 2);
        try (Ws c = Ws.vla(server)) {
            c.auth(KEY_PRO, 10);
            c.send("{\"type\":\"frame_metadata\",\"format\":\"png\",\"frame_id\":7}");
            c.send(big);
            JsonNode e = c.nextJson();
            assertThat(e.get("code").asText()).isEqualTo("too_large");
            assertThat(e.get("message").asText()).contains("4000000 pixels").contains("at most 2073600");
        }
    }

    @Test
    void anEightBitRgbaPngWithinTheBudgetIsAccepted() throws Exception {
        byte[] rgba = BombImages.zeroPng(32, 32, 8, 6);
        try (Ws c = Ws.vla(server)) {
            c.auth(KEY_PRO, 10);
            c.send("{\"type\":\"frame_metadata\",\"format\":\"png\",\"frame_id\":1}");
            c.send(rgba);
            assertThat(c.nextJson().get("type").asText()).isEqualTo("action");
        }
    }

    @Test
    void aDetectionImageAboveTheByteBudgetIsRefused() throws Exception {
        StreamingServer small = TestSupport.fullServer(ServerLimits.DEFAULT, TestSupport.keys())
                .messageLimits(MessageLimits.DEFAULT.toBuilder().maxImageBytes(1000).build()).start();
        try (small; Ws c = Ws.connect("ws://127.0.0.1:" + small.port() + "/stream/detection", "X-API-Key", KEY_PRO)) {
            JsonNode first = c.nextJson();
            assertThat(first.get("type").asText()).isNotEqualTo("error");
            c.send("{\"type\":\"frame_metadata\",\"frame_id\":3}");
            c.send(ByteBuffer.wrap(BombImages.zeroPng(600, 600, 8, 2)).array());
            JsonNode e = c.nextJson();
            assertThat(e.toString()).contains("bytes; allowed: at most 1000").contains("MessageLimits.maxImageBytes");
        }
    }
}
