package io.github.streaminfer.transport;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;

import static io.github.streaminfer.transport.TestSupport.Ws;
import static org.assertj.core.api.Assertions.assertThat;

/** The pages and their sign-in: the key travels once in a header, then an HttpOnly cookie stands for it. */
class BrowserSignInTest {

    private static String cookieOf(HttpResponse<String> login) {
        String setCookie = login.headers().firstValue("set-cookie").orElseThrow();
        return setCookie.substring(0, setCookie.indexOf(';'));
    }

    @Test
    void aBrowserGetsTheDashboardAtTheRootWhileOtherClientsKeepTheJsonIndex() throws Exception {
        try (StreamingServer server = TestSupport.fullServer(ServerLimits.DEFAULT, TestSupport.keys()).start()) {
            HttpResponse<String> page = TestSupport.get(server, "/", "Accept", "text/html,application/xhtml+xml");
            assertThat(page.statusCode()).isEqualTo(200);
            assertThat(page.headers().firstValue("content-type")).hasValue("text/html; charset=utf-8");
            assertThat(page.headers().firstValue("content-security-policy").orElseThrow())
                    .contains("script-src 'self'").contains("connect-src 'self'");
            assertThat(page.body()).contains("<title>StreamInfer dashboard</title>").doesNotContain("http://", "https://");
            JsonNode index = TestSupport.json(TestSupport.get(server, "/").body());
            assertThat(index.get("service").asText()).isEqualTo("streaminfer");
            for (String p : new String[] {"/camera", "/viewer", "/pages/common.js", "/pages/dashboard.js",
                "/pages/camera.js", "/pages/viewer.js", "/pages/style.css"}) {
                assertThat(TestSupport.get(server, p).statusCode()).as(p).isEqualTo(200);
            }
            assertThat(TestSupport.get(server, "/pages/nothing.js").statusCode()).isEqualTo(404);
        }
    }

    @Test
    void theKeyIsSentOnceAndTheHttpOnlyCookieThenAuthorisesHttpAndWebSocketsUntilLogout() throws Exception {
        try (StreamingServer server = TestSupport.fullServer(ServerLimits.DEFAULT, TestSupport.keys()).start()) {
            assertThat(TestSupport.get(server, "/dashboard/sessions").statusCode()).isEqualTo(401);
            assertThat(TestSupport.send(server, "POST", "/auth/login", null, "X-API-Key", "wrong_key_0000000")
                    .headers().firstValue("set-cookie")).isEmpty();

            HttpResponse<String> login = TestSupport.send(server, "POST", "/auth/login", null,
                    "X-API-Key", TestSupport.KEY_PRO);
            assertThat(login.statusCode()).isEqualTo(200);
            assertThat(login.headers().firstValue("set-cookie").orElseThrow())
                    .contains("HttpOnly").contains("SameSite=Strict").contains("Max-Age=1800").contains("Path=/");
            String cookie = cookieOf(login);
            String origin = "http://127.0.0.1:" + server.port();

            assertThat(TestSupport.get(server, "/dashboard/sessions", "Cookie", cookie).statusCode()).isEqualTo(200);
            assertThat(TestSupport.get(server, "/dashboard/sessions", "Cookie", cookie, "Origin", origin)
                    .statusCode()).isEqualTo(200);
            assertThat(TestSupport.get(server, "/dashboard/sessions", "Cookie", cookie,
                    "Origin", "http://evil.example").statusCode()).as("another site's page").isEqualTo(401);
            assertThat(TestSupport.get(server, "/dashboard/sessions", "Cookie", "streaminfer_login=forged")
                    .statusCode()).isEqualTo(401);
            try (Ws camera = Ws.connect("ws://127.0.0.1:" + server.port() + "/stream/detection", "Cookie", cookie,
                    "Origin", origin)) {
                assertThat(camera.next().json().get("type").asText()).isEqualTo("connected");
            }
            try (Ws viewer = Ws.connect("ws://127.0.0.1:" + server.port() + "/stream/view", "Cookie", cookie)) {
                assertThat(viewer.next().json().get("type").asText()).isEqualTo("viewer_connected");
            }

            HttpResponse<String> logout = TestSupport.send(server, "POST", "/auth/logout", null, "Cookie", cookie);
            assertThat(logout.headers().firstValue("set-cookie").orElseThrow()).contains("Max-Age=0");
            assertThat(TestSupport.get(server, "/dashboard/sessions", "Cookie", cookie).statusCode()).isEqualTo(401);
        }
    }

    @Test
    void theDashboardShowsOnlyTheCallersOwnSessions() throws Exception {
        try (StreamingServer server = TestSupport.fullServer(ServerLimits.DEFAULT, TestSupport.keys()).start();
             Ws mine = Ws.connect("ws://127.0.0.1:" + server.port() + "/stream/detection",
                     "X-API-Key", TestSupport.KEY_PRO);
             Ws theirs = Ws.connect("ws://127.0.0.1:" + server.port() + "/stream/detection",
                     "X-API-Key", TestSupport.KEY_ENT)) {
            String id = mine.next().json().get("session_id").asText();
            theirs.next();
            JsonNode sessions = TestSupport.json(TestSupport.get(server, "/dashboard/sessions",
                    "X-API-Key", TestSupport.KEY_PRO).body()).get("sessions");
            assertThat(sessions).hasSize(1);
            assertThat(sessions.get(0).get("session_id").asText()).isEqualTo(id);
        }
    }
}
