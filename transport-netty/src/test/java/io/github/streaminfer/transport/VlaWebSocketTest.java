package io.github.streaminfer.transport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.streaminfer.transport.TestSupport.Msg;
import io.github.streaminfer.transport.TestSupport.Ws;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.UUID;

import static io.github.streaminfer.transport.TestSupport.KEY_FREE;
import static io.github.streaminfer.transport.TestSupport.KEY_PRO;
import static io.github.streaminfer.transport.TestSupport.POSE;
import static io.github.streaminfer.transport.TestSupport.VEL;
import static io.github.streaminfer.transport.TestSupport.dataUrl;
import static io.github.streaminfer.transport.TestSupport.jpeg;
import static io.github.streaminfer.transport.TestSupport.obj;
import static io.github.streaminfer.transport.TestSupport.vlaFrame;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The VLA seed's protocol through the JDK WebSocket client on loopback. */
class VlaWebSocketTest {
    static StreamingServer server;
    static final String IMAGE = dataUrl(jpeg(64, 48, 128));

    @BeforeAll
    static void start() {
        server = TestSupport.fullServer(ServerLimits.DEFAULT, TestSupport.keys()).start();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void authFramesStatsAndCloseFollowTheSeed() throws Exception {
        try (Ws c = Ws.vla(server)) {
            JsonNode connected = c.auth(KEY_PRO, 10);
            assertThat(connected.get("type").asText()).isEqualTo("connected");
            assertThat(UUID.fromString(connected.get("session_id").asText())).isNotNull();
            assertThat(connected.get("status").asText()).isEqualTo("ready");
            JsonNode cfg = connected.get("config");
            assertThat(cfg.get("model").asText()).isEqualTo("openvla-7b");
            assertThat(cfg.get("target_fps").asDouble()).isEqualTo(10);
            assertThat(cfg.get("smoothing").asBoolean()).isTrue();
            assertThat(cfg.get("safety").asBoolean()).isTrue();

            for (int i = 1; i <= 5; i++) {
                c.send(vlaFrame(IMAGE, POSE, VEL));
                JsonNode a = c.nextJson();
                assertThat(a.get("type").asText()).isEqualTo("action");
                assertThat(a.get("frame_id").asLong()).isEqualTo(i);
                assertThat(a.get("timestamp").asDouble()).isCloseTo(System.currentTimeMillis() / 1000.0, within(5.0));
                assertThat(a.get("action")).hasSize(7);
                assertThat(a.get("action").get(0).asDouble()).isCloseTo(2 * 0.3 + 1, within(1e-6));
                assertThat(a.get("action").get(2).asDouble()).isCloseTo(2 * 0.5 + 1, within(1e-6));
                assertThat(a.get("action").get(6).asDouble()).isCloseTo(128 / 255.0, within(0.02));
                assertThat(a.get("safety_score").asDouble()).isBetween(0.0, 1.0);
                assertThat(a.get("latency_ms").asDouble()).isGreaterThan(0).isLessThan(5000);
                assertThat(a.get("smoothed").isBoolean()).isTrue();
            }
            ObjectNode own = (ObjectNode) TestSupport.json(vlaFrame(IMAGE, POSE, VEL));
            own.put("frame_id", "cam0-000123");
            c.send(own.toString());
            assertThat(c.nextJson().get("frame_id").asText()).isEqualTo("cam0-000123");

            c.send("{\"type\":\"stats\"}");
            JsonNode st = c.nextJson();
            assertThat(st.get("type").asText()).isEqualTo("stats");
            assertThat(st.get("session_id").asText()).isEqualTo(connected.get("session_id").asText());
            for (String f : new String[]{"runtime_seconds", "total_frames", "dropped_frames", "drop_rate_percent",
                    "target_fps", "actual_fps", "avg_latency_ms", "frame_queue_size", "action_queue_size"}) {
                assertThat(st.has(f)).as(f).isTrue();
            }
            assertThat(st.get("total_frames").asLong()).isEqualTo(6);
            assertThat(st.get("dropped_frames").asLong()).isZero();
            assertThat(st.get("avg_latency_ms").asDouble()).isGreaterThan(0);

            c.send("{\"type\":\"close\"}");
            JsonNode fin = c.nextJson();
            assertThat(fin.get("type").asText()).isEqualTo("stats");
            assertThat(fin.get("final").asBoolean()).isTrue();
            Msg close = c.next();
            assertThat(close.closeCode()).isEqualTo(1000);
        }
        awaitNoSessions();
    }

    @Test
    void binaryPairCarriesTheImageWithoutBase64() throws Exception {
        try (Ws c = Ws.vla(server)) {
            c.auth(KEY_PRO, 10);
            ObjectNode meta = obj("type", "frame_metadata", "timestamp", 1641234567890L, "frameNumber", 123,
                    "width", 64, "height", 48, "format", "jpeg", "instruction", "pick");
            meta.set("robot_state", obj("pose", POSE, "velocity", VEL));
            c.send(meta.toString());
            c.send(jpeg(64, 48, 200));
            JsonNode a = c.nextJson();
            assertThat(a.get("type").asText()).isEqualTo("action");
            assertThat(a.get("frame_id").asLong()).isEqualTo(123);
            assertThat(a.get("action").get(6).asDouble()).isCloseTo(200 / 255.0, within(0.02));
        }
    }

    @Test
    void framesAfterTheLastFrameNumberKeepCountingIncludingInvalidOnes() throws Exception {
        try (Ws c = Ws.vla(server)) {
            c.auth(KEY_PRO, 10);
            c.send(vlaFrame(IMAGE, POSE, VEL));
            assertThat(c.nextJson().get("frame_id").asLong()).isEqualTo(1);
            c.send(vlaFrame("not base64!!", POSE, VEL));
            JsonNode e = c.nextJson();
            assertThat(e.get("type").asText()).isEqualTo("error");
            assertThat(e.get("frame_id").asLong()).isEqualTo(2);
            c.send(vlaFrame(IMAGE, POSE, VEL));
            assertThat(c.nextJson().get("frame_id").asLong()).isEqualTo(3);
        }
    }

    @Test
    void tiersLimitSessionsAndFps() throws Exception {
        try (Ws first = Ws.vla(server); Ws second = Ws.vla(server)) {
            assertThat(first.auth(KEY_FREE, 10).get("type").asText()).isEqualTo("connected");
            JsonNode err = second.auth(KEY_FREE, 10);
            assertThat(err.get("type").asText()).isEqualTo("error");
            assertThat(err.get("message").asText()).contains("tier 'free' allows 1 concurrent session");
            Msg close = second.next();
            assertThat(close.closeCode()).isEqualTo(CloseCodes.FORBIDDEN);
        }
        try (Ws c = Ws.vla(server)) {
            JsonNode err = c.auth(KEY_PRO, 60);
            assertThat(err.get("code").asText()).isEqualTo("fps_above_tier");
            assertThat(err.get("message").asText()).contains("limit of 30");
            assertThat(c.auth(KEY_PRO, 30).get("type").asText()).isEqualTo("connected");
            int limited = 0;
            int actions = 0;
            for (int i = 0; i < 40; i++) {
                c.send(vlaFrame(IMAGE, POSE, VEL));
            }
            for (int i = 0; i < 40; i++) {
                JsonNode m = c.nextJson();
                if (m.get("type").asText().equals("error")) {
                    assertThat(m.get("code").asText()).isIn("rate_limited", "queue_full");
                    limited += m.get("code").asText().equals("rate_limited") ? 1 : 0;
                } else {
                    actions++;
                }
            }
            assertThat(limited).as("a burst of 40 frames at a 30 fps tier").isGreaterThan(20);
            assertThat(actions).isGreaterThan(0);
        }
    }

    @Test
    void wrongOrMissingKeyClosesWith4401() throws Exception {
        try (Ws c = Ws.vla(server)) {
            JsonNode err = c.auth("wrong_key_0123456789", 10);
            assertThat(err.get("code").asText()).isEqualTo("unauthorized");
            assertThat(c.next().closeCode()).isEqualTo(CloseCodes.UNAUTHORIZED);
        }
        try (Ws c = Ws.vla(server)) {
            c.auth(null, 10);
            assertThat(c.next().closeCode()).isEqualTo(CloseCodes.UNAUTHORIZED);
        }
    }

    @Test
    void aVanishedClientHasItsSessionReaped() throws Exception {
        Ws c = Ws.vla(server);
        c.auth(KEY_PRO, 10);
        c.send(vlaFrame(IMAGE, POSE, VEL));
        c.nextJson();
        c.ws.abort();
        awaitNoSessions();
    }

    @Test
    void noAuthInTimeClosesWith4408AndShutdownSendsFinalStatsAnd1001() throws Exception {
        try (StreamingServer s = TestSupport.fullServer(ServerLimits.DEFAULT.toBuilder()
                .authTimeout(Duration.ofMillis(300)).build(), AccessPolicy.OPEN).start();
             Ws idle = Ws.vla(s)) {
            Msg m = idle.next();
            assertThat(m.json().get("code").asText()).isEqualTo("auth_timeout");
            assertThat(idle.next().closeCode()).isEqualTo(CloseCodes.TIMEOUT);
            Ws active = Ws.vla(s);

            assertThat(active.auth(null, 10).get("type").asText()).isEqualTo("connected");
            active.send(vlaFrame(IMAGE, POSE, VEL));
            assertThat(active.nextJson().get("type").asText()).isEqualTo("action");
            s.close();
            JsonNode fin = active.nextJson();
            assertThat(fin.get("type").asText()).isEqualTo("stats");
            assertThat(fin.get("final").asBoolean()).isTrue();
            assertThat(active.next().closeCode()).isEqualTo(CloseCodes.GOING_AWAY);
            active.close();
        }
    }

    @Test
    void anIdleClientIsClosedWith4408() throws Exception {
        try (StreamingServer s = TestSupport.fullServer(ServerLimits.DEFAULT.toBuilder()
                .idleTimeout(Duration.ofMillis(400)).build(), AccessPolicy.OPEN).start(); Ws c = Ws.vla(s)) {
            assertThat(c.auth(null, 10).get("type").asText()).isEqualTo("connected");
            Msg m = c.awaitClose();
            assertThat(m.closeCode()).isEqualTo(CloseCodes.TIMEOUT);
            assertThat(m.closeReason()).contains("idle");
            for (int i = 0; i < 300 && s.activeSessions() > 0; i++) {
                Thread.sleep(10);
            }
            assertThat(s.activeSessions()).isZero();
        }
    }

    @Test
    void inferenceNeverRunsOnAnEventLoop() throws Exception {
        try (Ws c = Ws.vla(server)) {
            c.auth(KEY_PRO, 10);
            c.send(vlaFrame(IMAGE, POSE, VEL));
            assertThat(c.nextJson().get("type").asText()).isEqualTo("action");
        }
        assertThat(TestSupport.VlaTestTask.FRAMES.get()).isGreaterThan(0);
        assertThat(TestSupport.VlaTestTask.ranOnEventLoop).isFalse();
    }

    static void awaitNoSessions() throws InterruptedException {
        for (int i = 0; i < 500 && server.activeSessions() > 0; i++) {
            Thread.sleep(10);
        }
        assertThat(server.activeSessions()).isZero();
    }
}
