package io.github.streaminfer.transport;

import io.github.streaminfer.transport.TestSupport.Ws;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;

import static io.github.streaminfer.transport.TestSupport.KEY_FREE;
import static io.github.streaminfer.transport.TestSupport.KEY_PRO;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Access options that keep keys out of URLs, benchmarks away from free keys and session ids away from anonymous
 * {@code /metrics} readers, each off (or closed) by default.
 */
class AccessOptionsTest {

    private static AccessPolicy.Builder keys() {
        return AccessPolicy.builder().apiKey(KEY_PRO, Tier.PRO).apiKey(KEY_FREE, Tier.FREE);
    }

    @Test
    void plainHttpEndpointsIgnoreAnApiKeyInTheQueryByDefault() throws Exception {
        try (StreamingServer s = TestSupport.fullServer(ServerLimits.DEFAULT, keys().build()).start()) {
            HttpResponse<String> inUrl = TestSupport.send(s, "POST", "/stream/sessions?api_key=" + KEY_PRO, "{}");
            assertThat(inUrl.statusCode()).isEqualTo(401);
            HttpResponse<String> inHeader = TestSupport.send(s, "POST", "/stream/sessions", "{}", "X-API-Key",
                    KEY_PRO);
            assertThat(inHeader.statusCode()).isBetween(200, 299);
        }
    }

    @Test
    void webSocketUpgradesStillAcceptTheQueryKeyThatBrowsersNeed() throws Exception {
        try (StreamingServer s = TestSupport.fullServer(ServerLimits.DEFAULT, keys().build()).start();
             Ws c = Ws.connect("ws://127.0.0.1:" + s.port() + "/stream/detection?api_key=" + KEY_PRO)) {
            assertThat(c.nextJson().get("type").asText()).isEqualTo("connected");
        }
    }

    @Test
    void theQueryKeyOnPlainHttpCanBeEnabled() throws Exception {
        try (StreamingServer s = TestSupport.fullServer(ServerLimits.DEFAULT, keys().apiKeyInQuery(true).build())
                .start()) {
            HttpResponse<String> inUrl = TestSupport.send(s, "POST", "/stream/sessions?api_key=" + KEY_PRO, "{}");
            assertThat(inUrl.statusCode()).isBetween(200, 299);
        }
    }

    @Test
    void aFreeTierKeyCannotRunABenchmark() throws Exception {
        try (StreamingServer s = TestSupport.fullServer(ServerLimits.DEFAULT, keys().build()).start()) {
            HttpResponse<String> free = TestSupport.send(s, "POST", "/benchmark?num_iterations=5", null,
                    "X-API-Key", KEY_FREE);
            assertThat(free.statusCode()).isEqualTo(403);
            assertThat(TestSupport.json(free.body()).get("error").asText())
                    .contains("tier 'free' does not allow benchmarks");
            HttpResponse<String> pro = TestSupport.send(s, "POST", "/benchmark?num_iterations=5", null,
                    "X-API-Key", KEY_PRO);
            assertThat(pro.statusCode()).isEqualTo(200);
        }
    }

    @Test
    void metricsShowSessionIdsOnlyToARequestWithAValidKey() throws Exception {
        try (StreamingServer s = TestSupport.fullServer(ServerLimits.DEFAULT, keys().build()).start();
             Ws c = Ws.vla(s)) {
            String id = c.auth(KEY_PRO, 10).get("session_id").asText();
            String anonymous = TestSupport.get(s, "/metrics").body();
            assertThat(anonymous).contains("streaminfer_sessions_active{endpoint=\"vla\"} 1")
                    .doesNotContain(id).doesNotContain("session_id=");
            assertThat(TestSupport.get(s, "/metrics", "X-API-Key", "wrong_key_0123456789").body())
                    .doesNotContain(id);
            assertThat(TestSupport.get(s, "/metrics", "X-API-Key", KEY_FREE).body())
                    .contains("session_id=\"" + id + "\"");
        }
    }

    @Test
    void aServerWithoutKeysShowsSessionIdsOnlyWhenMadePublic() throws Exception {
        try (StreamingServer closed = TestSupport.fullServer(ServerLimits.DEFAULT, AccessPolicy.OPEN).start();
             Ws c = Ws.vla(closed)) {
            String id = c.auth(null, 10).get("session_id").asText();
            assertThat(TestSupport.get(closed, "/metrics").body()).doesNotContain(id);
        }
        try (StreamingServer open = TestSupport.fullServer(ServerLimits.DEFAULT,
                AccessPolicy.builder().publicSessionMetrics(true).build()).start();
             Ws c = Ws.vla(open)) {
            String id = c.auth(null, 10).get("session_id").asText();
            assertThat(TestSupport.get(open, "/metrics").body()).contains("session_id=\"" + id + "\"");
        }
    }
}
