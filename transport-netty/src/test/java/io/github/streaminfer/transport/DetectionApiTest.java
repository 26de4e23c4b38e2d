package io.github.streaminfer.transport;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.streaminfer.transport.TestSupport.Ws;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static io.github.streaminfer.transport.TestSupport.KEY_PRO;
import static io.github.streaminfer.transport.TestSupport.jpeg;
import static io.github.streaminfer.transport.TestSupport.obj;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The OpenVINO seed's detection WebSocket and REST + SSE session API through real clients on loopback. */
class DetectionApiTest {
    static StreamingServer server;
    static final String[] AUTH = {"X-API-Key", KEY_PRO};

    @BeforeAll
    static void start() {
        server = TestSupport.fullServer(ServerLimits.DEFAULT.toBuilder().sessionIdleTimeout(Duration.ofMillis(400))
                .ssePingInterval(Duration.ofMillis(200)).build(), TestSupport.keys()).start();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    /** Reads SSE data lines on a background thread. */
    static BlockingQueue<JsonNode> subscribe(String path) throws Exception {
        BlockingQueue<JsonNode> q = new LinkedBlockingQueue<>();
        HttpResponse<InputStream> r = TestSupport.http().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + server.port() + path)).header("X-API-Key", KEY_PRO).GET()
                .build(), HttpResponse.BodyHandlers.ofInputStream());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type").orElse("")).startsWith("text/event-stream");
        Thread t = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    if (line.startsWith("data: ")) {
                        q.add(TestSupport.json(line.substring(6)));
                    }
                }
            } catch (Exception ignored) {
                // stream closed
            }
        }, "sse-reader");
        t.setDaemon(true);
        t.start();
        return q;
    }

    static JsonNode next(BlockingQueue<JsonNode> q, String type) throws InterruptedException {
        for (int i = 0; i < 100; i++) {
            JsonNode n = q.poll(10, TimeUnit.SECONDS);
            assertThat(n).as("an SSE event of type " + type).isNotNull();
            if (n.path("type").asText().equals(type)) {
                return n;
            }
        }
        throw new AssertionError("no " + type + " event");
    }

    @Test
    void restSessionLifecycleWithServerSentEvents() throws Exception {
        HttpResponse<String> created = TestSupport.send(server, "POST", "/stream/sessions",
                "{\"fps_limit\": 15, \"confidence_threshold\": 0.5}", AUTH);
        assertThat(created.statusCode()).isEqualTo(201);
        JsonNode s = TestSupport.json(created.body());
        String id = s.get("session_id").asText();
        assertThat(s.get("sse_endpoint").asText()).isEqualTo("/stream/events/" + id);
        assertThat(s.get("upload_endpoint").asText()).isEqualTo("/stream/process/" + id);

        BlockingQueue<JsonNode> events = subscribe(s.get("sse_endpoint").asText());
        assertThat(next(events, "connected").get("session_id").asText()).isEqualTo(id);
        HttpResponse<String> second = TestSupport.get(server, "/stream/events/" + id, AUTH);
        assertThat(second.statusCode()).as("one event stream per session").isEqualTo(409);

        String img = Base64.getEncoder().encodeToString(jpeg(80, 40, 90));
        HttpResponse<String> up = TestSupport.send(server, "POST", s.get("upload_endpoint").asText(),
                obj("image_data", img, "frame_id", "frame_1").toString(), AUTH);
        assertThat(up.statusCode()).isEqualTo(202);
        JsonNode result = next(events, "detection_result");
        assertThat(result.get("timestamp").asDouble()).isGreaterThan(1.6e9);
        JsonNode data = result.get("data");
        assertThat(data.get("frame_id").asText()).isEqualTo("frame_1");
        assertThat(data.get("processing_time_ms").asDouble()).isGreaterThan(0);
        assertThat(data.get("detections")).as("the 0.2 box is below the 0.5 threshold").hasSize(1);
        JsonNode d = data.get("detections").get(0);
        assertThat(d.get("bbox").get(0).asDouble()).isCloseTo(20, within(1e-6));
        assertThat(d.get("bbox").get(3).asDouble()).isCloseTo(30, within(1e-6));
        assertThat(d.get("confidence").asDouble()).isCloseTo(0.9, within(1e-6));
        assertThat(d.get("class_id").asInt()).isEqualTo(1);
        assertThat(d.get("class_name").asText()).isEqualTo("pothole");

        HttpResponse<String> patched = TestSupport.send(server, "PATCH", "/stream/sessions/" + id + "/config",
                "{\"confidence_threshold\": 0.1, \"max_detections\": 5}", AUTH);
        assertThat(patched.statusCode()).isEqualTo(200);
        assertThat(TestSupport.json(patched.body()).get("config").get("confidence_threshold").asDouble())
                .isEqualTo(0.1);
        HttpRequest raw = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/stream/process/"
                        + id + "?frame_id=raw_2")).header("X-API-Key", KEY_PRO).header("Content-Type", "image/jpeg")
                .POST(HttpRequest.BodyPublishers.ofByteArray(jpeg(80, 40, 90))).build();
        assertThat(TestSupport.http().send(raw, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(202);
        JsonNode r2 = next(events, "detection_result").get("data");
        assertThat(r2.get("frame_id").asText()).isEqualTo("raw_2");
        assertThat(r2.get("detections")).as("both boxes now pass the threshold").hasSize(2);
        assertThat(next(events, "ping").get("timestamp").asDouble()).isGreaterThan(1.6e9);

        JsonNode stats = TestSupport.json(TestSupport.get(server, "/stream/sessions/" + id + "/stats", AUTH).body());
        assertThat(stats.get("frames_received").asLong()).isEqualTo(2);
        assertThat(stats.get("frames_processed").asLong()).isEqualTo(2);
        JsonNode global = TestSupport.json(TestSupport.get(server, "/stream/stats", AUTH).body());
        assertThat(global.get("total_frames_processed").asLong()).isGreaterThanOrEqualTo(2);
        JsonNode health = TestSupport.json(TestSupport.get(server, "/stream/health").body());
        assertThat(health.get("status").asText()).isEqualTo("healthy");

        HttpResponse<String> del = TestSupport.send(server, "DELETE", "/stream/sessions/" + id, null, AUTH);
        assertThat(del.statusCode()).isEqualTo(200);
        assertThat(TestSupport.json(del.body()).get("status").asText()).isEqualTo("closed");
        assertThat(next(events, "closed").get("reason").asText()).isEqualTo("deleted by client");
        assertThat(TestSupport.get(server, "/stream/sessions/" + id + "/stats", AUTH).statusCode()).isEqualTo(404);
    }

    @Test
    void idleRestSessionsAreReaped() throws Exception {
        String id = TestSupport.json(TestSupport.send(server, "POST", "/stream/sessions", "{}", AUTH).body())
                .get("session_id").asText();
        assertThat(TestSupport.get(server, "/stream/sessions/" + id + "/stats", AUTH).statusCode()).isEqualTo(200);
        Thread.sleep(1200); // idle: no request and no event stream (each request counts as activity)
        int status = TestSupport.get(server, "/stream/sessions/" + id + "/stats", AUTH).statusCode();
        assertThat(status).as("expired after 400 ms idle").isEqualTo(404);
    }

    @Test
    void webSocketFramesConfigPingAndBinaryPairs() throws Exception {
        try (Ws c = Ws.connect("ws://127.0.0.1:" + server.port() + "/stream/detection?fps_limit=15&api_key="
                + KEY_PRO)) {
            JsonNode hello = c.nextJson();
            assertThat(hello.get("type").asText()).isEqualTo("connected");
            assertThat(hello.get("config").get("fps_limit").asDouble()).isEqualTo(15);
            c.send(obj("type", "frame", "image_data", Base64.getEncoder().encodeToString(jpeg(40, 40, 1)),
                    "frame_id", "unique_id").toString());
            JsonNode r = c.nextJson();
            assertThat(r.get("type").asText()).isEqualTo("detection_result");
            assertThat(r.get("data").get("frame_id").asText()).isEqualTo("unique_id");
            c.send(obj("type", "config", "confidence_threshold", 0.95).toString());
            assertThat(c.nextJson().get("type").asText()).isEqualTo("config_updated");
            c.send(obj("type", "frame_metadata", "timestamp", 1641234567890L, "frameNumber", 123, "width", 40,
                    "height", 40, "format", "jpeg").toString());
            c.send(jpeg(40, 40, 1));
            JsonNode r2 = c.nextJson();
            assertThat(r2.get("data").get("frame_id").asLong()).isEqualTo(123);
            assertThat(r2.get("data").get("detections")).as("0.95 threshold").isEmpty();
            c.send("{\"type\": \"ping\"}");
            assertThat(c.nextJson().get("type").asText()).isEqualTo("pong");
            c.send("{\"type\": \"frame\", \"image_data\": \"!!\"}");
            assertThat(c.nextJson().get("error").asText()).contains("not valid base64");
        }
    }

    @Test
    void unauthenticatedRequestsGet401() throws Exception {
        HttpResponse<String> r = TestSupport.send(server, "POST", "/stream/sessions", "{}");
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(r.headers().firstValue("www-authenticate")).contains("Api-Key");
        List<Integer> codes = new ArrayList<>();
        codes.add(TestSupport.get(server, "/stream/stats", "X-API-Key", "nope_nope_nope").statusCode());
        assertThat(codes).containsExactly(401);
    }
}
