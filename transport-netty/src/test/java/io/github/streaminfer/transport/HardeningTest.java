package io.github.streaminfer.transport;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.streaminfer.session.IngressPolicy;
import io.github.streaminfer.session.StreamingInferenceSession;
import io.github.streaminfer.task.FloatVector;
import io.github.streaminfer.tensor.DType;
import io.github.streaminfer.testkit.ScriptedModel;
import io.github.streaminfer.transport.TestSupport.Msg;
import io.github.streaminfer.transport.TestSupport.Ws;
import io.github.streaminfer.transport.vla.VlaEndpoint;
import io.github.streaminfer.transport.vla.VlaFrame;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.FileInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Key;
import java.security.KeyStore;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.github.streaminfer.transport.TestSupport.IMAGE_SMALL;
import static io.github.streaminfer.transport.TestSupport.POSE;
import static io.github.streaminfer.transport.TestSupport.VEL;
import static io.github.streaminfer.transport.TestSupport.vlaFrame;
import static org.assertj.core.api.Assertions.assertThat;

/** TLS, Origin allow-list, connection limit, metrics, and a slow reader that must not grow memory. */
class HardeningTest {

    @Test
    void tlsWithAPemCertificateServesHttpsAndWss(@TempDir Path dir) throws Exception {
        Path ks = dir.resolve("server.p12");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "server", "-keyalg", "EC", "-groupname", "secp256r1",
                "-dname", "CN=localhost", "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-validity", "2",
                "-storetype", "PKCS12", "-keystore", ks.toString(), "-storepass", "changeit", "-keypass", "changeit")
                .redirectErrorStream(true).start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).isZero();
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (FileInputStream in = new FileInputStream(ks.toFile())) {
            store.load(in, "changeit".toCharArray());
        }
        Key key = store.getKey("server", "changeit".toCharArray());
        Base64.Encoder mime = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII));
        Path cert = dir.resolve("cert.pem");
        Path keyPem = dir.resolve("key.pem");
        Files.writeString(cert, "-----BEGIN CERTIFICATE-----\n"
                + mime.encodeToString(store.getCertificate("server").getEncoded()) + "\n-----END CERTIFICATE-----\n");
        Files.writeString(keyPem, "-----BEGIN PRIVATE KEY-----\n" + mime.encodeToString(key.getEncoded())
                + "\n-----END PRIVATE KEY-----\n");

        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(store);
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(null, tmf.getTrustManagers(), null);
        HttpClient client = HttpClient.newBuilder().sslContext(ssl).connectTimeout(Duration.ofSeconds(5)).build();

        try (StreamingServer s = TestSupport.fullServer(ServerLimits.DEFAULT, AccessPolicy.OPEN)
                .tls(cert.toFile(), keyPem.toFile()).start()) {
            assertThat(s.isTls()).isTrue();
            assertThat(s.endpointUrls()).anyMatch(u -> u.startsWith("wss://127.0.0.1:" + s.port() + "/v1/stream"));
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + s.port()
                    + "/healthz")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.body()).isEqualTo("OK\n");
            Ws c = new Ws();
            WebSocket ws = client.newWebSocketBuilder().buildAsync(URI.create("wss://127.0.0.1:" + s.port()
                    + "/v1/stream"), c).get(10, TimeUnit.SECONDS);
            c.ws = ws;
            assertThat(c.auth(null, 10).get("type").asText()).isEqualTo("connected");
            c.send(vlaFrame(IMAGE_SMALL, POSE, VEL));
            assertThat(c.nextJson().get("type").asText()).isEqualTo("action");
            c.close();
            HttpResponse<String> plain = null;
            try {
                plain = TestSupport.get(s, "/healthz");
            } catch (java.io.IOException expected) {
                // a plain-text client cannot talk to a TLS port
            }
            assertThat(plain == null || plain.statusCode() != 200).isTrue();
        }
    }

    @Test
    void originAllowListAndConnectionLimit() throws Exception {
        AccessPolicy access = AccessPolicy.builder().allowOrigin("https://app.example.com").build();
        try (StreamingServer s = TestSupport.fullServer(ServerLimits.DEFAULT, access).start()) {
            assertThat(TestSupport.get(s, "/health", "Origin", "https://evil.example.com").statusCode())
                    .isEqualTo(403);
            assertThat(TestSupport.get(s, "/health", "Origin", "https://app.example.com").statusCode())
                    .isEqualTo(200);
            Throwable refused = null;
            try (Ws c = Ws.connect("ws://127.0.0.1:" + s.port() + "/v1/stream", "Origin", "https://evil.example.com")) {
                c.next();
            } catch (Exception e) {
                refused = e.getCause();
            }
            assertThat(refused).isInstanceOf(java.net.http.WebSocketHandshakeException.class);
            assertThat(((java.net.http.WebSocketHandshakeException) refused).getResponse().statusCode())
                    .isEqualTo(403);
        }
        try (StreamingServer s = TestSupport.fullServer(ServerLimits.DEFAULT.toBuilder().maxConnections(3).build(),
                AccessPolicy.OPEN).start()) {
            // the server's own warm-up request takes a slot for a moment: let it finish first
            assertThat(s.awaitWarmUp(java.time.Duration.ofSeconds(30))).isTrue();
            for (int i = 0; i < 250 && s.openConnections() > 0; i++) {
                Thread.sleep(20);
            }
            try (Ws a = Ws.vla(s); Ws b = Ws.vla(s); Ws c = Ws.vla(s)) {
                Throwable full = null;
                try (Ws d = Ws.vla(s)) {
                    d.next();
                } catch (Exception e) {
                    full = e.getCause();
                }
                assertThat(full).isInstanceOf(java.net.http.WebSocketHandshakeException.class);
                assertThat(((java.net.http.WebSocketHandshakeException) full).getResponse().statusCode())
                        .isEqualTo(503);
                a.auth(null, 10);
            }
        }
    }

    @Test
    void aTakenPortIsAClearError() {
        try (StreamingServer a = TestSupport.fullServer(ServerLimits.DEFAULT, AccessPolicy.OPEN).start()) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> TestSupport.fullServer(ServerLimits.DEFAULT,
                            AccessPolicy.OPEN).port(a.port()).start())
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("cannot bind 127.0.0.1:" + a.port());
        }
    }

    @Test
    void metricsAreInPrometheusTextFormat() throws Exception {
        try (StreamingServer s = TestSupport.fullServer(ServerLimits.DEFAULT,
                AccessPolicy.builder().publicSessionMetrics(true).build()).start();
             Ws c = Ws.vla(s)) {
            String id = c.auth(null, 10).get("session_id").asText();
            for (int i = 0; i < 3; i++) {
                c.send(vlaFrame(IMAGE_SMALL, POSE, VEL));
                c.nextJson();
            }
            HttpResponse<String> m = TestSupport.get(s, "/metrics");
            assertThat(m.headers().firstValue("content-type").orElse("")).startsWith("text/plain; version=0.0.4");
            String body = m.body();
            Pattern line = Pattern.compile("^(# (HELP|TYPE) .*|[a-z_]+(\\{[^}]*\\})? [-0-9.eE+NaInf]+)$");
            for (String l : body.split("\n")) {
                assertThat(line.matcher(l).matches()).as("exposition line: " + l).isTrue();
            }
            assertThat(body).contains("streaminfer_sessions_active{endpoint=\"vla\"} 1");
            assertThat(body).contains("streaminfer_session_frames_received_total{session_id=\"" + id
                    + "\",endpoint=\"vla\",key=\"anonymous\"} 3");
            assertThat(body).contains("streaminfer_session_frames_inferred_total{session_id=\"" + id);
            assertThat(body).contains("streaminfer_session_latency_seconds{session_id=\"" + id);
            assertThat(body).contains("streaminfer_result_latency_seconds_count 3");
        }
    }

    @Test
    void aSlowReaderGetsTheNewestActionAndServerMemoryStaysBounded() throws Exception {
        // a 4096-value action makes each message ~20 kB, so the kernel's socket buffers fill quickly
        ScriptedModel big = ScriptedModel.builder().name("big").input("state", DType.FLOAT32, 1, 12)
                .output("action", DType.FLOAT32, 1, 4096).script((in, out) -> {
                    for (int i = 0; i < 4096; i++) {
                        out[0].putFloat(i, 0.123456f + i);
                    }
                }).build();
        SessionFactory<VlaFrame, FloatVector> f = (req, l) -> StreamingInferenceSession
                .builder(big, StatePolicyTask.vla()).config(TestSupport.config(req, IngressPolicy.LATEST_ONLY))
                .listener(l).build();
        try (StreamingServer s = StreamingServer.builder().host("127.0.0.1").port(0)
                .limits(ServerLimits.DEFAULT.toBuilder().writeBufferWatermarks(8 * 1024, 32 * 1024).build())
                .access(AccessPolicy.builder().publicSessionMetrics(true).build())
                .vla(VlaEndpoint.of(f, ActionEncoder.floatVector())).start();
             Ws c = Ws.vla(s)) {
            c.auth(null, 10);
            c.paused = true;
            int frames = 0;
            long superseded = 0;
            // keep sending until the server has had to replace results (bounded: at most 20000 frames)
            while (superseded <= 0 && frames < 20_000) {
                for (int i = 0; i < 250; i++) {
                    c.send(vlaFrame(IMAGE_SMALL, POSE, VEL));
                    frames++;
                }
                Thread.sleep(50);
                superseded = superseded(TestSupport.get(s, "/metrics").body());
            }
            assertThat(superseded).as("results replaced while the client did not read").isGreaterThan(0);
            c.paused = false;
            c.ws.request(Long.MAX_VALUE);
            long lastId = 0;
            int received = 0;
            for (Msg m; (m = c.inbox.poll(2, TimeUnit.SECONDS)) != null; ) {
                JsonNode j = m.json();
                if (j.get("type").asText().equals("action")) {
                    lastId = j.get("frame_id").asLong();
                    received++;
                }
            }
            assertThat(received).isLessThan(frames);
            assertThat(lastId).as("the newest action arrives last").isGreaterThan(frames - 50);
        }
    }

    private static long superseded(String metrics) {
        Matcher m = Pattern.compile("streaminfer_session_results_superseded_total\\{[^}]*\\} (\\d+)").matcher(metrics);
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }
}
