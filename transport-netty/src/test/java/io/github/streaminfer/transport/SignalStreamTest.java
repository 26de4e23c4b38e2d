package io.github.streaminfer.transport;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.github.streaminfer.transport.TestSupport.KEY_PRO;
import static org.assertj.core.api.Assertions.assertThat;

/** The EMG seed's endpoints; the SSE stream through {@code curl -N} and the JDK client. */
class SignalStreamTest {
    static StreamingServer server;
    static final String[] AUTH = {"X-API-Key", KEY_PRO};

    @BeforeAll
    static void start() {
        server = TestSupport.fullServer(ServerLimits.DEFAULT, TestSupport.keys()).start();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static List<JsonNode> events(String body) {
        List<JsonNode> out = new ArrayList<>();
        for (String line : body.split("\n")) {
            if (line.startsWith("data: ")) {
                out.add(TestSupport.json(line.substring(6)));
            } else {
                assertThat(line).as("SSE lines are data lines or blank").isEmpty();
            }
        }
        return out;
    }

    static void checkStream(List<JsonNode> ev, double seconds, double fps) {
        assertThat(ev).isNotEmpty();
        JsonNode done = ev.get(ev.size() - 1);
        assertThat(done.get("status").asText()).isEqualTo("completed");
        List<JsonNode> data = ev.subList(0, ev.size() - 1);
        assertThat(data.size()).isBetween((int) (seconds * fps * 0.5), (int) (seconds * fps) + 2);
        long prev = 0;
        for (JsonNode e : data) {
            for (String f : new String[]{"timestamp", "frame", "latency_ms", "prediction", "confidence", "shape",
                    "backend", "cpu_percent"}) {
                assertThat(e.has(f)).as(f + " in " + e).isTrue();
            }
            assertThat(e.get("frame").asLong()).isGreaterThan(prev);
            prev = e.get("frame").asLong();
            assertThat(e.get("prediction").asInt()).isEqualTo(3);
            assertThat(e.get("backend").asText()).isEqualTo("scripted");
            assertThat(e.get("shape").toString()).isEqualTo("[1,7]");
        }
        assertThat(done.get("total_frames").asLong()).isEqualTo(data.size());
        assertThat(done.get("duration_seconds").asDouble()).isBetween(seconds * 0.9, seconds + 1.0);
        assertThat(done.get("avg_fps").asDouble()).isGreaterThan(0);
    }

    @Test
    void curlReceivesTheStreamAndTheCompletionEvent() throws Exception {
        Process p;
        try {
            p = new ProcessBuilder("curl", "-sN", "--max-time", "20", "-X", "POST",
                    "-H", "Content-Type: application/json", "-H", "X-API-Key: " + KEY_PRO,
                    "-d", "{\"duration_seconds\": 0.6, \"use_tensorrt\": true, \"fps\": 20, \"preprocess\": true}",
                    "http://127.0.0.1:" + server.port() + "/infer/stream").redirectErrorStream(true).start();
        } catch (IOException e) {
            if (System.getenv("CI") != null) {
                throw new AssertionError("CI installs curl (.ci/run), yet it cannot run", e);
            }
            Assumptions.abort("curl is not installed: " + e.getMessage());
            return;
        }
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as(out).isZero();
        checkStream(events(out), 0.6, 20);
    }

    @Test
    void jdkClientStreamAndErrors() throws Exception {
        HttpResponse<String> r = TestSupport.send(server, "POST", "/infer/stream",
                "{\"duration_seconds\": 0.5, \"fps\": 10, \"backend\": \"scripted\"}", AUTH);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type").orElse("")).startsWith("text/event-stream");
        checkStream(events(r.body()), 0.5, 10);

        HttpResponse<String> bad = TestSupport.send(server, "POST", "/infer/stream", "{\"fps\": 0}", AUTH);
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(TestSupport.json(bad.body()).get("error").asText()).contains("'fps' is 0");
        HttpResponse<String> unknown = TestSupport.send(server, "POST", "/infer/stream", "{\"backend\": \"gpu9\"}", AUTH);
        assertThat(unknown.statusCode()).isEqualTo(400);
        assertThat(TestSupport.json(unknown.body()).get("error").asText()).contains("allowed: scripted");
        HttpResponse<String> overTier = TestSupport.send(server, "POST", "/infer/stream", "{\"fps\": 100}", AUTH);
        assertThat(overTier.statusCode()).isEqualTo(403);
    }

    @Test
    void endlessStreamEndsWhenTheClientLeaves() throws Exception {
        Process p = null;
        try {
            p = new ProcessBuilder("curl", "-sN", "--max-time", "1", "-X", "POST", "-H", "X-API-Key: " + KEY_PRO,
                    "-d", "{\"duration_seconds\": null, \"fps\": 20}",
                    "http://127.0.0.1:" + server.port() + "/infer/stream").start();
        } catch (IOException e) {
            if (System.getenv("CI") != null) {
                throw new AssertionError("CI installs curl (.ci/run), yet it cannot run", e);
            }
            Assumptions.abort("curl is not installed: " + e.getMessage());
        }
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(out).contains("\"frame\":1").doesNotContain("completed");
        for (int i = 0; i < 300 && server.activeSessions() > 0; i++) {
            Thread.sleep(10);
        }
        assertThat(server.activeSessions()).isZero();
    }

    @Test
    void healthInferBenchmarkAndStats() throws Exception {
        JsonNode health = TestSupport.json(TestSupport.get(server, "/health").body());
        assertThat(health.get("status").asText()).isEqualTo("ok");
        assertThat(health.get("tensorrt_available").asBoolean()).isFalse();
        assertThat(health.get("emg_mode").asText()).isEqualTo("synthetic");

        JsonNode before = TestSupport.json(TestSupport.get(server, "/infer/stream/stats", AUTH).body());
        assertThat(before.get("emg_channels").asInt()).isEqualTo(16);
        assertThat(before.get("emg_window_size").asInt()).isEqualTo(200);
        assertThat(before.get("emg_sampling_rate").asDouble()).isEqualTo(2000);

        HttpResponse<String> inf = TestSupport.send(server, "POST", "/infer",
                "{\"batch\": 1, \"channels\": 16, \"length\": 200, \"steps\": 2}", AUTH);
        assertThat(inf.statusCode()).as(inf.body()).isEqualTo(200);
        JsonNode i = TestSupport.json(inf.body());
        assertThat(i.get("prediction").asInt()).isEqualTo(3);
        assertThat(i.get("latency_ms").asDouble()).isGreaterThan(0);
        assertThat(i.get("shape").toString()).isEqualTo("[1,7]");
        assertThat(TestSupport.send(server, "POST", "/infer", "{\"channels\": 8}", AUTH).statusCode()).isEqualTo(400);

        HttpResponse<String> b = TestSupport.send(server, "POST", "/benchmark?num_iterations=50", null, AUTH);
        assertThat(b.statusCode()).as(b.body()).isEqualTo(200);
        JsonNode s = TestSupport.json(b.body()).get("scripted");
        assertThat(s.get("iterations").asInt()).isEqualTo(50);
        assertThat(s.get("failed").asInt()).isZero();
        assertThat(s.get("mean_latency_ms").asDouble()).isGreaterThan(0);
        assertThat(s.get("p99_latency_ms").asDouble()).isGreaterThanOrEqualTo(s.get("median_latency_ms").asDouble());
        assertThat(s.get("throughput_qps").asDouble()).isGreaterThan(0);
        JsonNode after = TestSupport.json(TestSupport.get(server, "/infer/stream/stats", AUTH).body());
        assertThat(after.get("max_throughput_qps").asDouble()).isEqualTo(s.get("throughput_qps").asDouble());
    }
}
