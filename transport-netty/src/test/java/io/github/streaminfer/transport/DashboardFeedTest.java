package io.github.streaminfer.transport;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.streaminfer.action.SafetyConfig;
import io.github.streaminfer.backend.Backends;
import io.github.streaminfer.backend.LoadedModel;
import io.github.streaminfer.backend.ModelOptions;
import io.github.streaminfer.backend.ModelSource;
import io.github.streaminfer.image.ImageSpec;
import io.github.streaminfer.session.SessionConfig;
import io.github.streaminfer.session.StreamingInferenceSession;
import io.github.streaminfer.synthetic.SyntheticModels;
import io.github.streaminfer.task.ActionChunk;
import io.github.streaminfer.task.PolicyTask;
import io.github.streaminfer.time.NanoClock;
import io.github.streaminfer.transport.vla.VlaEndpoint;
import io.github.streaminfer.transport.vla.VlaFrame;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Iterator;
import java.util.stream.Stream;

import static io.github.streaminfer.transport.TestSupport.Ws;
import static org.assertj.core.api.Assertions.assertThat;

/** The dashboard's feed: per-session statistics, the action per axis and the safety chain's state, over SSE. */
class DashboardFeedTest {

    @Test
    void aPolicySessionShowsFpsStageLatenciesItsNewestActionAndItsSafetyStateOnTheEventStream() throws Exception {
        try (LoadedModel model = Backends.require("onnx").load(ModelSource.ofBytes("policy.onnx",
                new SyntheticModels.Policy(224, 224, 12, 1, 0).bytes()), ModelOptions.DEFAULT)) {
            SessionFactory<VlaFrame, ActionChunk> policy = (request, listener) -> StreamingInferenceSession
                    .builder(model, PolicyAdapters.vla(PolicyTask.builder()
                            .image("image", ImageSpec.builder(224, 224).build()).state("state").build()))
                    .config(SessionConfig.DEFAULT.toBuilder().name(request.sessionId()).build())
                    .listener(listener).build();
            try (StreamingServer server = StreamingServer.builder().host("127.0.0.1").port(0)
                    .vla(VlaEndpoint.of(policy, new ControlledActionEncoder(SafetyConfig.frankaCartesian(),
                            Duration.ofMillis(20), NanoClock.SYSTEM)))
                    .start();
                 Ws c = Ws.vla(server)) {
                String id = c.auth(null, 10).get("session_id").asText();
                for (int i = 0; i < 5; i++) {
                    c.send(TestSupport.vlaFrame(TestSupport.dataUrl(TestSupport.jpeg(224, 224, 90)),
                            TestSupport.POSE, TestSupport.VEL));
                    assertThat(c.nextJson().get("type").asText()).isEqualTo("action");
                }
                HttpResponse<Stream<String>> events = TestSupport.http().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + server.port() + "/dashboard/events"))
                        .timeout(Duration.ofSeconds(20)).GET().build(), HttpResponse.BodyHandlers.ofLines());
                assertThat(events.headers().firstValue("content-type").orElseThrow()).startsWith("text/event-stream");
                Iterator<String> lines = events.body().iterator();
                JsonNode session = null;
                int snapshots = 0;
                while (snapshots < 2 && lines.hasNext()) {
                    String line = lines.next();
                    if (line.startsWith("data: ")) {
                        snapshots++;
                        for (JsonNode s : TestSupport.json(line.substring(6)).get("sessions")) {
                            if (s.get("session_id").asText().equals(id)) {
                                session = s;
                            }
                        }
                    }
                }
                events.body().close();
                assertThat(snapshots).isEqualTo(2);
                assertThat(session).as("the VLA session in the feed").isNotNull();
                assertThat(session.get("endpoint").asText()).isEqualTo("vla");
                assertThat(session.get("inferred").asLong()).isEqualTo(5);
                assertThat(session.get("latency_ms").get("inference").get("count").asLong()).isEqualTo(5);
                assertThat(session.get("latency_ms").get("end_to_end").get("p99").asDouble()).isPositive();
                assertThat(session.get("action")).as("first step of the newest chunk").hasSize(7);
                assertThat(session.get("drops").get("queue_full").asLong()).isZero();
                JsonNode safety = session.get("safety");
                assertThat(safety.get("estop").asBoolean()).isFalse();
                assertThat(safety.get("estop_cause").asText()).isEqualTo("NONE");
                assertThat(safety.has("interventions")).isTrue();
            }
        }
    }
}
