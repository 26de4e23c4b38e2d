package io.github.streaminfer.client;

import io.github.streaminfer.action.ActionConfig;
import io.github.streaminfer.action.ActionController;
import io.github.streaminfer.session.IngressPolicy;
import io.github.streaminfer.session.SessionConfig;
import io.github.streaminfer.session.StreamingInferenceSession;
import io.github.streaminfer.task.FloatVector;
import io.github.streaminfer.tensor.DType;
import io.github.streaminfer.testkit.ScriptedModel;
import io.github.streaminfer.transport.AccessPolicy;
import io.github.streaminfer.transport.ActionEncoder;
import io.github.streaminfer.transport.openpi.OpenPiEndpoint;
import io.github.streaminfer.transport.openpi.OpenPiObservation;
import io.github.streaminfer.transport.SessionFactory;
import io.github.streaminfer.transport.StatePolicyTask;
import io.github.streaminfer.transport.StreamingServer;
import io.github.streaminfer.transport.Tier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpTimeoutException;
import java.net.http.WebSocketHandshakeException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link OpenPiPolicy} against a StreamInfer server's openpi endpoint on loopback (a scripted policy: action
 * {@code [h][d] = state[d] + h}): the metadata comes first, every observation gets its action chunk with the
 * server's timings, a refused observation throws the server's words and the connection stays usable, and a wrong
 * key is refused at connect.
 */
class OpenPiPolicyTest {
    private static final String KEY = "openpi_key_0123456789";
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    /** A first state value that makes the scripted policy take 800 ms. */
    private static final float SLOW = 99;
    private static StreamingServer server;
    private static SessionFactory<OpenPiObservation, FloatVector> factory;

    @BeforeAll
    static void start() {
        server = server(0);
    }

    private static StreamingServer server(int port) {
        if (factory != null) {
            return serverWith(port);
        }
        ScriptedModel model = ScriptedModel.builder().name("test-openpi").input("state", DType.FLOAT32, 1, 8)
                .output("actions", DType.FLOAT32, 1, 4, 7).script((in, out) -> {
                    if (in[0].getFloat(0) == SLOW) {
                        try {
                            Thread.sleep(800); // longer than the short client timeout below
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }
                    for (int h = 0; h < 4; h++) {
                        for (int d = 0; d < 7; d++) {
                            out[0].putFloat(h * 7L + d, in[0].getFloat(d) + h);
                        }
                    }
                }).build();
        factory = SessionFactory.named("scripted", "test-openpi",
                (req, listener) -> StreamingInferenceSession.builder(model, StatePolicyTask.openPi("observation/state"))
                        .config(SessionConfig.DEFAULT.toBuilder().ingress(IngressPolicy.rejectNewest(2)).build())
                        .listener(listener).build());
        return serverWith(port);
    }

    private static StreamingServer serverWith(int port) {
        return StreamingServer.builder().host("127.0.0.1").port(port)
                .access(AccessPolicy.builder().apiKey(KEY, Tier.ENTERPRISE).build())
                .openPi(new OpenPiEndpoint<>("/", factory, ActionEncoder.floatChunk(7),
                        Map.of("action_horizon", 4, "action_dim", 7)))
                .start();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static URI uri() {
        return URI.create("ws://127.0.0.1:" + server.port() + "/");
    }

    @Test
    void theMetadataComesFirstThenEachObservationGetsItsActionChunk() throws Exception {
        try (OpenPiPolicy policy = OpenPiPolicy.connect(uri(), KEY, TIMEOUT)) {
            assertThat(policy.metadata()).containsEntry("action_horizon", 4L).containsEntry("action_dim", 7L);
            for (int i = 0; i < 3; i++) {
                float[] state = {i, 1, 2, 3, 4, 5, 6, 7};
                Map<String, Object> obs = new LinkedHashMap<>();
                obs.put("observation/state", OpenPiArray.ofFloats(state));
                obs.put("prompt", "fold the towel");
                OpenPiReply r = policy.infer(obs);
                assertThat(r.actions().dtype()).isEqualTo("<f4");
                assertThat(r.actions().shape()).containsExactly(4, 7);
                assertThat(r.horizon()).isEqualTo(4);
                assertThat(r.dim()).isEqualTo(7);
                float[] a = r.actions().toFloats();
                for (int h = 0; h < 4; h++) {
                    for (int d = 0; d < 7; d++) {
                        assertThat(a[h * 7 + d]).isEqualTo(state[d] + h);
                    }
                }
                assertThat(r.serverInferMillis()).isPositive();
                assertThat(r.policyInferMillis()).isNotNaN().isGreaterThanOrEqualTo(0);
                if (i > 0) {
                    assertThat(r.message()).containsKey("server_timing");
                    assertThat(((Map<?, ?>) r.message().get("server_timing")).containsKey("prev_total_ms")).isTrue();
                }
            }
        }
    }

    @Test
    void nestedObservationMapsAreJoinedWithSlashesByTheServer() throws Exception {
        try (OpenPiPolicy policy = OpenPiPolicy.connect(uri(), KEY, TIMEOUT)) {
            float[] state = {9, 8, 7, 6, 5, 4, 3, 2};
            OpenPiReply r = policy.infer(Map.of("observation", Map.of("state", state)));
            assertThat(r.actions().toFloats()[0]).isEqualTo(9f);
        }
    }

    @Test
    void aRefusedObservationThrowsTheServersWordsAndTheConnectionStaysUsable() throws Exception {
        try (OpenPiPolicy policy = OpenPiPolicy.connect(uri(), KEY, TIMEOUT)) {
            float[] bad = {Float.NaN, 0, 0, 0, 0, 0, 0, 0};
            assertThatThrownBy(() -> policy.infer(Map.of("observation/state", bad)))
                    .isInstanceOf(IOException.class)
                    .hasMessageStartingWith("the server refused the observation: ")
                    .hasMessageContaining("only finite values");
            assertThatThrownBy(() -> policy.infer(Map.of("observation/state", new float[9])))
                    .hasMessageContaining("takes at most 8");
            OpenPiReply ok = policy.infer(Map.of("observation/state", new float[8]));
            assertThat(ok.actions().toFloats()).hasSize(28);
        }
    }

    @Test
    void aReplyThatComesTooLateIsNeverTakenForTheNextObservations() throws Exception {
        try (OpenPiPolicy policy = OpenPiPolicy.connect(uri(), KEY, TIMEOUT, Duration.ofMillis(400))) {
            assertThatThrownBy(() -> policy.infer(Map.of("observation/state",
                    new float[]{SLOW, 0, 0, 0, 0, 0, 0, 0}))).isInstanceOf(HttpTimeoutException.class);
            Thread.sleep(600); // the late reply arrives meanwhile
            float[] state = {5, 0, 0, 0, 0, 0, 0, 0};
            OpenPiReply r = awaitReply(policy, Map.of("observation/state", state));
            assertThat(r.actions().toFloats()[0]).as("this observation's own chunk").isEqualTo(5f);
            OpenPiPolicy.Stats st = policy.stats();
            assertThat(st.lost()).as("the late call, and any other that timed out on a busy machine")
                    .isGreaterThanOrEqualTo(1);
            assertThat(st.connects()).as("the connection was dropped and made again").isGreaterThanOrEqualTo(2);
        }
    }

    /** Calls until a connection is had again (a call before the next attempt is due throws at once). */
    private static OpenPiReply awaitReply(OpenPiPolicy policy, Map<String, ?> obs) throws Exception {
        long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (true) {
            try {
                return policy.infer(obs);
            } catch (IOException e) {
                if (System.nanoTime() > end) {
                    throw e;
                }
                Thread.sleep(50);
            }
        }
    }

    @Test
    void aServerThatGoesAwayCostsTheCallsMeanwhileAndIsRejoinedWhenItReturns() throws Exception {
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            port = s.getLocalPort();
        }
        StreamingServer restarting = server(port);
        ActionController arm = ActionController.builder(ActionConfig.builder().dim(7).maxHorizon(4)
                .stepPeriod(Duration.ofMillis(20)).controlPeriod(Duration.ofMillis(10)).build()).build();
        try (arm; OpenPiPolicy policy = OpenPiPolicy.connect(URI.create("ws://127.0.0.1:" + port + "/"), KEY,
                TIMEOUT)) {
            Map<String, Object> obs = Map.of("observation/state", new float[8]);
            policy.infer(obs, arm, System.nanoTime());
            assertThat(arm.stats().chunksAccepted()).as("the chunk reached the controller").isEqualTo(1);

            restarting.close();
            assertThatThrownBy(() -> policy.infer(obs, arm, System.nanoTime())).isInstanceOf(IOException.class);
            assertThatThrownBy(() -> policy.infer(obs, arm, System.nanoTime())).isInstanceOf(IOException.class)
                    .hasMessageContaining("127.0.0.1:" + port);
            assertThat(arm.stats().chunksOffered()).as("nothing reached the controller meanwhile").isEqualTo(1);

            restarting = server(port);
            OpenPiReply back = null;
            long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (back == null && System.nanoTime() < end) {
                try {
                    back = policy.infer(obs, arm, System.nanoTime());
                } catch (IOException e) {
                    Thread.sleep(50);
                }
            }
            assertThat(back).as("a reply after the restart").isNotNull();
            assertThat(arm.stats().chunksAccepted()).isEqualTo(2);
            assertThat(policy.metadata()).containsEntry("action_horizon", 4L);
            OpenPiPolicy.Stats st = policy.stats();
            assertThat(st.replies()).isEqualTo(2);
            assertThat(st.lost()).as("the call in flight when the server went").isEqualTo(1);
            assertThat(st.connects()).isEqualTo(2);
            assertThat(st.calls()).isEqualTo(st.replies() + st.lost() + st.notConnected() + st.refusedByServer());
            assertThat(st.lastError()).isNotBlank();
        } finally {
            restarting.close();
        }
    }

    @Test
    void aWrongKeyIsRefusedAtConnect() {
        assertThatThrownBy(() -> OpenPiPolicy.connect(uri(), "wrong_key_0123456789", TIMEOUT))
                .isInstanceOf(IOException.class)
                .satisfies(e -> assertThat(((WebSocketHandshakeException) e.getCause()).getResponse().statusCode())
                        .isEqualTo(401));
    }

    @Test
    void aClosedPolicyRefusesFurtherCalls() throws Exception {
        OpenPiPolicy policy = OpenPiPolicy.connect(uri(), KEY, TIMEOUT);
        policy.close();
        assertThatThrownBy(() -> policy.infer(Map.of("observation/state", new float[8])))
                .isInstanceOf(IllegalStateException.class).hasMessage("the policy is closed");
    }
}
