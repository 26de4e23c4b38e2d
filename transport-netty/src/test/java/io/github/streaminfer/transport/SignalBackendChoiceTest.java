package io.github.streaminfer.transport;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.streaminfer.session.IngressPolicy;
import io.github.streaminfer.session.StreamingInferenceSession;
import io.github.streaminfer.task.FloatArrayTask;
import io.github.streaminfer.task.FloatVector;
import io.github.streaminfer.testkit.ScriptedModel;
import io.github.streaminfer.transport.signal.ClassificationEncoder;
import io.github.streaminfer.transport.signal.SignalEndpoint;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.LinkedHashMap;
import java.util.Map;

import static io.github.streaminfer.transport.TestSupport.KEY_PRO;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A signal endpoint whose server registered {@code tensorrt} as known but unavailable (as the standalone server does
 * where no GPU exists): requests naming it are refused with the cause, requests for an unknown backend list the
 * known ones, and {@code use_tensorrt: true} runs on the available backend and says so.
 */
class SignalBackendChoiceTest {
    static final String CAUSE = "no NVIDIA driver: libcuda.so.1: cannot open shared object file";
    static final String[] AUTH = {"X-API-Key", KEY_PRO};
    static StreamingServer server;

    @BeforeAll
    static void start() {
        ScriptedModel emg = TestSupport.emgModel();
        Map<String, SessionFactory<float[], FloatVector>> backends = new LinkedHashMap<>();
        backends.put("scripted", SessionFactory.named("scripted", "test-emg", (req, l) -> StreamingInferenceSession
                .builder(emg, FloatArrayTask.firstInputOutput())
                .config(TestSupport.config(req, IngressPolicy.LATEST_ONLY)).listener(l).build()));
        backends.put("tensorrt", SessionFactory.unavailable("tensorrt", "test-emg", CAUSE));
        server = StreamingServer.builder().host("127.0.0.1").port(0).access(TestSupport.keys()).blockingThreads(2)
                .ioThreads(1).signal(SignalEndpoint.synthetic(backends, ClassificationEncoder.softmaxArgmax(1, 7)))
                .start();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void anUnavailableFactoryReportsItsCauseAndRefusesSessionsNamingIt() {
        SessionFactory<float[], FloatVector> f = SessionFactory.unavailable("tensorrt", "m", CAUSE);
        assertThat(f.isAvailable()).isFalse();
        assertThat(f.unavailabilityCause()).isEqualTo(CAUSE);
        assertThat(SessionFactory.named("x", "m", f).unavailabilityCause()).isEqualTo(CAUSE);
        assertThatThrownBy(() -> f.open(null, r -> { })).isInstanceOf(SessionRejectedException.class)
                .hasMessage("backend 'tensorrt' is unavailable: " + CAUSE);
    }

    @Test
    void inferOnAnUnavailableBackendAnswersA400NamingTheCause() throws Exception {
        HttpResponse<String> r = TestSupport.send(server, "POST", "/infer/tensorrt", "{}", AUTH);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
        JsonNode e = TestSupport.json(r.body());
        assertThat(e.get("error").asText()).isEqualTo("backend 'tensorrt' is not available here: " + CAUSE
                + "; available: scripted");
    }

    @Test
    void inferOnAnUnknownBackendListsTheKnownOnes() throws Exception {
        HttpResponse<String> r = TestSupport.send(server, "POST", "/infer/nosuch", "{}", AUTH);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
        assertThat(TestSupport.json(r.body()).get("error").asText())
                .isEqualTo("unknown backend 'nosuch'; allowed: scripted, tensorrt");
    }

    @Test
    void useTensorrtFallsBackToTheAvailableBackendAndSaysWhy() throws Exception {
        HttpResponse<String> r = TestSupport.send(server, "POST", "/infer", "{\"use_tensorrt\": true}", AUTH);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode o = TestSupport.json(r.body());
        assertThat(o.get("backend").asText()).isEqualTo("scripted");
        assertThat(o.get("fallback").asText()).isEqualTo("tensorrt is unavailable: " + CAUSE + "; ran on scripted");
        assertThat(TestSupport.json(TestSupport.send(server, "POST", "/infer", "{}", AUTH).body()).has("fallback"))
                .as("no fallback note when TensorRT was not asked for").isFalse();
    }

    @Test
    void useTensorrtStreamEventsNameTheBackendThatRan() throws Exception {
        HttpResponse<String> r = TestSupport.send(server, "POST", "/infer/stream",
                "{\"duration_seconds\": 0.2, \"fps\": 20, \"use_tensorrt\": true}", AUTH);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode first = SignalStreamTest.events(r.body()).get(0);
        assertThat(first.get("backend").asText()).as(r.body()).isEqualTo("scripted");
    }

    @Test
    void benchmarkOfAnUnavailableBackendIsRefusedWithTheCauseAndAnUnknownOneListsTheIds() throws Exception {
        HttpResponse<String> trt = TestSupport.send(server, "POST", "/benchmark?num_iterations=5&backend=tensorrt",
                null, AUTH);
        assertThat(trt.statusCode()).as(trt.body()).isEqualTo(400);
        assertThat(TestSupport.json(trt.body()).get("error").asText()).contains("backend 'tensorrt'").contains(CAUSE);
        HttpResponse<String> unknown = TestSupport.send(server, "POST", "/benchmark",
                "{\"num_iterations\": 5, \"backend\": \"nosuch\"}", AUTH);
        assertThat(unknown.statusCode()).as(unknown.body()).isEqualTo(400);
        assertThat(TestSupport.json(unknown.body()).get("error").asText()).contains("allowed: scripted, tensorrt");
    }

    @Test
    void benchmarkMeasuresEveryAvailableBackendAndReportsWhichAreUnavailableInHealth() throws Exception {
        HttpResponse<String> b = TestSupport.send(server, "POST", "/benchmark?num_iterations=5", null, AUTH);
        assertThat(b.statusCode()).as(b.body()).isEqualTo(200);
        JsonNode o = TestSupport.json(b.body());
        assertThat(o.get("scripted").get("iterations").asInt()).isEqualTo(5);
        assertThat(o.has("tensorrt")).as(b.body()).isFalse();
        JsonNode health = TestSupport.json(TestSupport.get(server, "/health").body());
        assertThat(health.get("tensorrt_available").asBoolean()).isFalse();
        assertThat(health.get("backends").get("tensorrt").asBoolean()).isFalse();
        assertThat(health.get("backends").get("scripted").asBoolean()).isTrue();
    }
}
