package io.github.streaminfer.transport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.streaminfer.transport.TestSupport.Msg;
import io.github.streaminfer.transport.TestSupport.Ws;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.stream.Stream;

import static io.github.streaminfer.transport.TestSupport.KEY_ENT;
import static io.github.streaminfer.transport.TestSupport.POSE;
import static io.github.streaminfer.transport.TestSupport.VEL;
import static io.github.streaminfer.transport.TestSupport.dataUrl;
import static io.github.streaminfer.transport.TestSupport.jpeg;
import static io.github.streaminfer.transport.TestSupport.obj;
import static io.github.streaminfer.transport.TestSupport.vlaFrame;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every kind of malformed input gets a clear error (or the right HTTP status / close code), no stack trace, the
 * offending connection keeps working where the protocol allows, and a second, well-behaved session on the same
 * server is unaffected.
 */
class MalformedInputTest {
    static final int MAX_FRAME = 256 * 1024;
    static StreamingServer server;
    static Ws canary;
    static final String IMAGE = dataUrl(jpeg(32, 32, 100));
    static int canaryFrames;

    @BeforeAll
    static void start() throws Exception {
        server = TestSupport.fullServer(ServerLimits.DEFAULT.toBuilder().maxWebSocketFrameBytes(MAX_FRAME)
                .maxHttpBodyBytes(MAX_FRAME).build(), TestSupport.keys()).start();
        canary = Ws.vla(server);
        assertThat(canary.auth(KEY_ENT, 10).get("type").asText()).isEqualTo("connected");
        assertCanaryServed();
    }

    @AfterAll
    static void stop() {
        canary.close();
        server.close();
    }

    static void assertCanaryServed() throws InterruptedException {
        canary.send(vlaFrame(IMAGE, POSE, VEL));
        JsonNode a = canary.nextJson();
        canaryFrames++;
        assertThat(a.get("type").asText()).as("the well-behaved session's reply").isEqualTo("action");
        assertThat(a.get("frame_id").asLong()).isEqualTo(canaryFrames);
    }

    /** A malformed input sent on a fresh, authenticated connection; returns the reply. */
    @FunctionalInterface
    interface Attack {
        Msg send(Ws bad) throws Exception;
    }

    record Case(String name, boolean authenticate, Attack attack, String code, String messagePart, Long frameId,
                boolean connectionSurvives) {
    }

    static Case text(String name, String msg, String code, String part, Long frameId) {
        return new Case(name, true, bad -> {
            bad.send(msg);
            return bad.next();
        }, code, part, frameId, true);
    }

    static String frameWithImage(String image) {
        return vlaFrame(image, POSE, VEL);
    }

    static String frameWith(String field, Object value) {
        ObjectNode f = (ObjectNode) TestSupport.json(vlaFrame(IMAGE, POSE, VEL));
        f.set(field, TestSupport.JSON.valueToTree(value));
        return f.toString();
    }

    static String b64(byte[] b) {
        return Base64.getEncoder().encodeToString(b);
    }

    static byte[] pngHeader(long w, long h) {
        byte[] b = new byte[33];
        byte[] sig = {(byte) 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, 'I', 'H', 'D', 'R'};
        System.arraycopy(sig, 0, b, 0, sig.length);
        for (int i = 0; i < 4; i++) {
            b[16 + i] = (byte) (w >>> (24 - 8 * i));
            b[20 + i] = (byte) (h >>> (24 - 8 * i));
        }
        return b;
    }

    /** A JPEG whose header is intact and whose entropy-coded data is garbage: only a real decode finds out. */
    static byte[] corruptBodyJpeg() {
        byte[] good = jpeg(32, 32, 100);
        int sos = -1;
        for (int i = 2; i < good.length - 1; i++) {
            if ((good[i] & 0xFF) == 0xFF && (good[i + 1] & 0xFF) == 0xDA) {
                sos = i;
                break;
            }
        }
        byte[] bad = Arrays.copyOf(good, sos + 2);
        return bad; // ends right after the start-of-scan marker: header valid, image data missing
    }

    static List<Case> cases() {
        List<Case> c = new ArrayList<>();
        c.add(text("bad JSON", "{\"type\": \"frame\",", "invalid_json", "invalid JSON", null));
        c.add(text("JSON that is not an object", "[1, 2, 3]", "invalid_message", "must be a JSON object", null));
        c.add(text("empty message", "", "invalid_json", "", null));
        c.add(text("missing type", "{\"image\": \"x\"}", "missing_type", "missing field 'type'", null));
        c.add(text("type not a string", "{\"type\": 5}", "missing_type", "must be a string", null));
        c.add(text("unknown type", "{\"type\": \"dance\"}", "unknown_type", "unknown message type 'dance'", null));
        c.add(text("frame without image", "{\"type\": \"frame\", \"instruction\": \"x\"}", "missing_field",
                "'image'", 1L));
        c.add(text("image not a string", frameWith("image", 42), "invalid_field", "'image' must be a string", 1L));
        c.add(text("bad base64", frameWithImage("data:image/jpeg;base64,@@@not-base64@@@"), "invalid_base64",
                "not valid base64", 1L));
        c.add(text("data URL of another media type", frameWithImage("data:text/plain;base64,aGVsbG8="),
                "invalid_image", "media type 'text/plain'", 1L));
        c.add(text("bytes that are no image", frameWithImage(b64("hello world, not an image".getBytes(
                StandardCharsets.US_ASCII))), "invalid_image", "neither JPEG nor PNG", 1L));
        c.add(text("corrupt JPEG header", frameWithImage(b64(new byte[]{(byte) 0xFF, (byte) 0xD8, 1, 2, 3, 4, 5})),
                "invalid_image", "corrupt JPEG", 1L));
        c.add(text("truncated JPEG", frameWithImage(b64(Arrays.copyOf(jpeg(32, 32, 1), 12))), "invalid_image",
                "corrupt JPEG", 1L));
        c.add(text("decompression bomb header (30000 x 30000 PNG)", frameWithImage(b64(pngHeader(30000, 30000))),
                "too_large", "900000000 pixels", 1L));
        c.add(text("corrupt image data behind a valid header", frameWithImage(b64(corruptBodyJpeg())),
                "invalid_input", "corrupt image", 1L));
        c.add(text("robot_state not an object", frameWith("robot_state", List.of(1, 2)), "invalid_field",
                "'robot_state' must be an object", 1L));
        c.add(text("pose element not a number", frameWith("robot_state", obj("pose", List.of(0.1, "x"))),
                "invalid_field", "robot_state.pose[1]", 1L));
        c.add(text("NaN in robot_state", vlaFrame(IMAGE, POSE, VEL).replace("\"pose\":[0.3", "\"pose\":[NaN"),
                "non_finite", "robot_state.pose[0]' is NaN", 1L));
        c.add(text("infinite number in robot_state", vlaFrame(IMAGE, POSE, VEL).replace("\"velocity\":[0.0",
                "\"velocity\":[1e400"), "non_finite", "robot_state.velocity[0]", 1L));
        c.add(text("robot_state longer than the model's state", vlaFrame(IMAGE, new double[10], new double[10]),
                "invalid_state", "20 values", 1L));
        c.add(text("instruction not a string", frameWith("instruction", 7), "invalid_field",
                "'instruction' must be a string", 1L));
        c.add(text("frame_id of the wrong type", frameWith("frame_id", obj("a", 1)), "invalid_field",
                "'frame_id'", 1L));
        c.add(text("second auth", obj("type", "auth", "api_key", KEY_ENT).toString(), "already_authenticated",
                "already authenticated", null));
        c.add(new Case("binary frame without metadata", true, bad -> {
            bad.send(jpeg(8, 8, 1));
            return bad.next();
        }, "out_of_order", "without a preceding frame_metadata", null, true));
        c.add(new Case("metadata followed by text instead of the image", true, bad -> {
            bad.send(obj("type", "frame_metadata", "frameNumber", 77, "format", "jpeg").toString());
            bad.send("{\"type\": \"stats\"}");
            Msg error = bad.next();
            assertThat(bad.nextJson().get("type").asText()).as("the text message is still served").isEqualTo("stats");
            return error;
        }, "out_of_order", "frame_id 77", 77L, true));
        c.add(new Case("frame before auth", false, bad -> {
            bad.send(vlaFrame(IMAGE, POSE, VEL));
            return bad.next();
        }, "not_authenticated", "send {\"type\": \"auth\"", 1L, true));
        c.add(new Case("auth with a mistyped field", false, bad -> {
            bad.send(obj("type", "auth", "api_key", KEY_ENT, "target_fps", "fast").toString());
            return bad.next();
        }, "invalid_field", "'target_fps' must be a number", null, true));
        c.add(new Case("auth with an unknown field", false, bad -> {
            bad.send(obj("type", "auth", "api_key", KEY_ENT, "turbo", true).toString());
            return bad.next();
        }, "unknown_field", "unknown field 'turbo'", null, true));
        c.add(new Case("auth with smoothing_alpha out of range", false, bad -> {
            bad.send(obj("type", "auth", "api_key", KEY_ENT, "smoothing_alpha", 1.5).toString());
            return bad.next();
        }, "invalid_field", "smoothing_alpha", null, true));
        c.add(new Case("oversize frame", true, bad -> {
            byte[] big = new byte[MAX_FRAME + 1024];
            Arrays.fill(big, (byte) 'a');
            bad.ws.sendText("{\"type\":\"frame\",\"image\":\"" + new String(big, StandardCharsets.US_ASCII) + "\"}",
                    true);
            return bad.awaitClose();
        }, null, null, null, false));
        return c;
    }

    @TestFactory
    Stream<DynamicTest> everyMalformedInputGetsAClearErrorAndHarmsNoOtherSession() {
        return cases().stream().map(k -> DynamicTest.dynamicTest(k.name, () -> {
            try (Ws bad = Ws.vla(server)) {
                if (k.authenticate) {
                    assertThat(bad.auth(KEY_ENT, 10).get("type").asText()).isEqualTo("connected");
                }
                Msg reply = k.attack.send(bad);
                if (k.code == null) {
                    assertThat(reply.closeCode()).as("close code").isEqualTo(CloseCodes.MESSAGE_TOO_BIG);
                    assertThat(reply.closeReason()).contains(String.valueOf(MAX_FRAME));
                } else {
                    JsonNode e = reply.json();
                    assertThat(e.get("type").asText()).isEqualTo("error");
                    assertThat(e.get("code").asText()).isEqualTo(k.code);
                    assertThat(e.get("message").asText()).contains(k.messagePart).doesNotContain("Exception")
                            .doesNotContain("\tat ");
                    if (k.frameId != null) {
                        assertThat(e.get("frame_id").asLong()).as("frame_id of the error").isEqualTo(k.frameId);
                    }
                }
                if (k.connectionSurvives) {
                    if (!k.authenticate) {
                        assertThat(bad.auth(KEY_ENT, 10).get("type").asText()).isEqualTo("connected");
                    }
                    bad.send(vlaFrame(IMAGE, POSE, VEL));
                    JsonNode a = bad.nextJson();
                    assertThat(a.get("type").asText()).as("the same connection afterwards").isEqualTo("action");
                }
            }
            assertCanaryServed();
        }));
    }

    @TestFactory
    Stream<DynamicTest> malformedHttpAndMsgpackInputGetTheRightStatus() throws Exception {
        List<DynamicTest> t = new ArrayList<>();
        t.add(DynamicTest.dynamicTest("REST upload with bad JSON -> 400", () -> {
            String id = createRest();
            HttpResponse<String> r = TestSupport.send(server, "POST", "/stream/process/" + id, "{oops",
                    "X-API-Key", KEY_ENT);
            assertThat(r.statusCode()).isEqualTo(400);
            assertThat(TestSupport.json(r.body()).get("error").asText()).contains("invalid JSON");
            assertCanaryServed();
        }));
        t.add(DynamicTest.dynamicTest("REST upload larger than the body limit -> 413", () -> {
            String id = createRest();
            char[] big = new char[MAX_FRAME + 10];
            Arrays.fill(big, 'a');
            HttpResponse<String> r = TestSupport.send(server, "POST", "/stream/process/" + id,
                    "{\"image_data\":\"" + new String(big) + "\"}", "X-API-Key", KEY_ENT);
            assertThat(r.statusCode()).isEqualTo(413);
            assertCanaryServed();
        }));
        t.add(DynamicTest.dynamicTest("an upload that keeps sending past the limit still reads its 413", () -> {
            String id = createRest();
            int body = MAX_FRAME * 8;
            try (java.net.Socket s = new java.net.Socket("127.0.0.1", server.port())) {
                s.setSoTimeout(10_000);
                java.io.OutputStream out = s.getOutputStream();
                out.write(("POST /stream/process/" + id + " HTTP/1.1\r\nHost: x\r\nX-API-Key: " + KEY_ENT
                        + "\r\nContent-Type: application/json\r\nContent-Length: " + body + "\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                byte[] chunk = new byte[16 * 1024];
                Arrays.fill(chunk, (byte) 'a');
                for (int sent = 0; sent < body; sent += chunk.length) {
                    out.write(chunk); // the whole body, as a client that reads the answer only after sending does
                }
                out.flush();
                String head = new String(s.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
                assertThat(head).isEqualTo("HTTP/1.1 413");
            }
            assertCanaryServed();
        }));
        t.add(DynamicTest.dynamicTest("PATCH config with an out-of-range threshold -> 400", () -> {
            String id = createRest();
            HttpResponse<String> r = TestSupport.send(server, "PATCH", "/stream/sessions/" + id + "/config",
                    "{\"confidence_threshold\": 3}", "X-API-Key", KEY_ENT);
            assertThat(r.statusCode()).isEqualTo(400);
            assertThat(TestSupport.json(r.body()).get("error").asText()).contains("'confidence_threshold' is 3");
            assertCanaryServed();
        }));
        t.add(DynamicTest.dynamicTest("unknown session id -> 404", () -> {
            HttpResponse<String> r = TestSupport.get(server, "/stream/sessions/nope/stats", "X-API-Key", KEY_ENT);
            assertThat(r.statusCode()).isEqualTo(404);
            assertCanaryServed();
        }));
        t.add(DynamicTest.dynamicTest("openpi: bytes that are not msgpack -> text error, connection stays", () -> {
            try (Ws pi = Ws.connect("ws://127.0.0.1:" + server.port() + "/", "Authorization", "Api-Key " + KEY_ENT)) {
                assertThat(pi.next().binary()).isNotNull();
                pi.send(new byte[]{(byte) 0xC1, 1, 2});
                assertThat(pi.next().text()).contains("msgpack");
                pi.send(OpenPiTest.observation(new float[]{1, 2, 3, 4, 5, 6, 7, 8}));
                assertThat(pi.next().binary()).isNotNull();
            }
            assertCanaryServed();
        }));
        t.add(DynamicTest.dynamicTest("openpi: ndarray whose data does not match its shape -> text error", () -> {
            try (Ws pi = Ws.connect("ws://127.0.0.1:" + server.port() + "/", "Authorization", "Api-Key " + KEY_ENT)) {
                assertThat(pi.next().binary()).isNotNull();
                MessageBufferPacker p = MessagePack.newDefaultBufferPacker();
                p.packMapHeader(1);
                p.packString("observation/state");
                p.packMapHeader(4);
                p.packBinaryHeader(11);
                p.writePayload("__ndarray__".getBytes(StandardCharsets.US_ASCII));
                p.packBoolean(true);
                p.packBinaryHeader(4);
                p.writePayload("data".getBytes(StandardCharsets.US_ASCII));
                p.packBinaryHeader(3);
                p.writePayload(new byte[3]);
                p.packBinaryHeader(5);
                p.writePayload("dtype".getBytes(StandardCharsets.US_ASCII));
                p.packString("<f4");
                p.packBinaryHeader(5);
                p.writePayload("shape".getBytes(StandardCharsets.US_ASCII));
                p.packArrayHeader(1);
                p.packLong(8);
                pi.send(p.toByteArray());
                assertThat(pi.next().text()).contains("needs 32 data bytes, got 3");
            }
            assertCanaryServed();
        }));
        return t.stream();
    }

    static String createRest() throws Exception {
        HttpResponse<String> r = TestSupport.send(server, "POST", "/stream/sessions", "{}", "X-API-Key", KEY_ENT);
        assertThat(r.statusCode()).isEqualTo(201);
        return TestSupport.json(r.body()).get("session_id").asText();
    }
}
