package io.github.streaminfer.transport;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.streaminfer.transport.TestSupport.Ws;
import io.github.streaminfer.transport.openpi.OpenPiObservation;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * No error a client sees carries the text of the libraries underneath (Jackson, msgpack, Netty): every message is the
 * server's own, in the documented shape, for a 413 too. The examples are the ones an attacker found.
 */
class LibraryTextTest {
    private static final List<String> LIBRARY_WORDS = List.of("jackson", "JsonNode", "StreamReadConstraints",
            "com.fasterxml", "`", "NEVER_USED", "ValueType", "ArrayList", "RSV", "extension negotiated", "netty",
            "Exception");
    private static StreamingServer server;

    @BeforeAll
    static void start() {
        server = TestSupport.fullServer(ServerLimits.DEFAULT.toBuilder().maxHttpBodyBytes(4096).build(),
                AccessPolicy.OPEN).start();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static void assertOurOwnWords(String text) {
        for (String w : LIBRARY_WORDS) {
            assertThat(text).as("client-visible text").doesNotContainIgnoringCase(w);
        }
    }

    @Test
    void jsonErrorsAreOurOwnWordsWithLineAndColumn() throws Exception {
        try (Ws c = Ws.vla(server)) {
            c.send("{\"type\": \"stats\"} {\"type\": \"stats\"}");
            JsonNode trailing = c.nextJson();
            assertThat(trailing.get("code").asText()).isEqualTo("invalid_json");
            assertThat(trailing.get("message").asText()).contains("line 1, column").contains("after the end");
            assertOurOwnWords(trailing.toString());

            c.send("[".repeat(40) + "]".repeat(40));
            JsonNode deep = c.nextJson();
            assertThat(deep.get("message").asText()).contains("deeper than 32 levels");
            assertOurOwnWords(deep.toString());

            c.send("{\"type\": tru}");
            JsonNode word = c.nextJson();
            assertThat(word.get("message").asText()).contains("unrecognized word 'tru'");
            assertOurOwnWords(word.toString());

            c.send("{\"type\": \"stats\", \u0001}");
            JsonNode ctrl = c.nextJson();
            assertThat(ctrl.get("message").asText()).contains("unexpected character '\\u0001'");
            assertOurOwnWords(ctrl.toString());

            c.send("{\"type\": \"stats\", \"n\": 1" + "1".repeat(200) + "}");
            assertOurOwnWords(c.nextJson().toString());

            c.send("{\"type\": \"st");
            JsonNode eof = c.nextJson();
            assertThat(eof.get("message").asText()).contains("ends inside a value");
            assertOurOwnWords(eof.toString());
        }
    }

    @Test
    void aRestBodyThatIsNotJsonGetsOurWordsInTheDocumentedShape() throws Exception {
        HttpResponse<String> r = TestSupport.send(server, "POST", "/stream/sessions", "{} []");
        assertThat(r.statusCode()).isEqualTo(400);
        JsonNode body = TestSupport.json(r.body());
        assertThat(body.get("status").asInt()).isEqualTo(400);
        assertThat(body.get("error").asText()).contains("invalid JSON");
        assertOurOwnWords(r.body());
    }

    @Test
    void anOversizedBodyGets413InTheDocumentedJsonShape() throws Exception {
        HttpResponse<String> r = TestSupport.send(server, "POST", "/stream/sessions", "{\"pad\": \""
                + "x".repeat(10_000) + "\"}");
        assertThat(r.statusCode()).isEqualTo(413);
        JsonNode body = TestSupport.json(r.body());
        assertThat(body.get("status").asInt()).isEqualTo(413);
        assertThat(body.get("error").asText()).contains("at most 4096 bytes");
    }

    @Test
    void msgpackErrorsAreOurOwnWords() throws Exception {
        try (Ws c = Ws.connect("ws://127.0.0.1:" + server.port() + "/")) {
            c.next(); // metadata
            c.send(new byte[]{(byte) 0x81, (byte) 0xa1, 'k', (byte) 0xc1});
            String never = c.next().text();
            assertThat(never).contains("0xc1");
            assertOurOwnWords(never);
        }
    }

    @Test
    void anObservationValueOfTheWrongKindIsNamedInProtocolWords() {
        OpenPiObservation o = new OpenPiObservation(java.util.Map.of("observation/image", List.of(1L, 2L)));
        try {
            o.array("observation/image");
            throw new AssertionError("expected a refusal");
        } catch (IllegalArgumentException e) {
            assertThat(e.getMessage()).endsWith("must be an ndarray, got an array");
            assertOurOwnWords(e.getMessage());
        }
    }

    @Test
    void aFrameWithReservedBitsIsClosedWith1002AndOurReason() throws Exception {
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(("GET /v1/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            DataInputStream in = new DataInputStream(s.getInputStream());
            String headers = readHeaders(in);
            assertThat(headers).startsWith("HTTP/1.1 101");
            byte[] payload = "{}".getBytes(StandardCharsets.US_ASCII);
            byte[] mask = {1, 2, 3, 4};
            ByteArrayOutputStream frame = new ByteArrayOutputStream();
            frame.write(0xC1); // FIN, RSV1, text: no extension was negotiated
            frame.write(0x80 | payload.length);
            frame.write(mask);
            for (int i = 0; i < payload.length; i++) {
                frame.write(payload[i] ^ mask[i & 3]);
            }
            out.write(frame.toByteArray());
            out.flush();
            int b0 = in.readUnsignedByte();
            int len = in.readUnsignedByte() & 0x7F;
            byte[] body = new byte[len];
            in.readFully(body);
            assertThat(b0 & 0x0F).as("a close frame").isEqualTo(0x8);
            int code = ((body[0] & 0xFF) << 8) | (body[1] & 0xFF);
            String reason = new String(body, 2, body.length - 2, StandardCharsets.UTF_8);
            assertThat(code).isEqualTo(CloseCodes.PROTOCOL_ERROR);
            assertThat(reason).isEqualTo("malformed WebSocket frame");
            assertOurOwnWords(reason);
        }
    }

    private static String readHeaders(InputStream in) throws Exception {
        StringBuilder sb = new StringBuilder();
        while (!sb.toString().endsWith("\r\n\r\n")) {
            int c = in.read();
            if (c < 0) {
                break;
            }
            sb.append((char) c);
        }
        return sb.toString();
    }
}
