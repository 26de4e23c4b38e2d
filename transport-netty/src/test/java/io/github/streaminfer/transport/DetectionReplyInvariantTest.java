package io.github.streaminfer.transport;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.streaminfer.session.IngressPolicy;
import io.github.streaminfer.session.StreamingInferenceSession;
import io.github.streaminfer.task.FloatVector;
import io.github.streaminfer.tensor.DType;
import io.github.streaminfer.testkit.ScriptedModel;
import io.github.streaminfer.transport.TestSupport.Ws;
import io.github.streaminfer.transport.detection.DetectionEndpoint;
import io.github.streaminfer.transport.detection.DetectionImage;
import org.junit.jupiter.api.Test;

import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static io.github.streaminfer.transport.TestSupport.jpeg;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The detection WebSocket answers every frame too: a frame its conflating queue replaced gets "Frame queue full"
 * with code {@code superseded} instead of nothing, and {@code frames_dropped} counts those errors.
 */
class DetectionReplyInvariantTest {
    static final int BURST = 150;

    @Test
    void aBurstUnderLatestOnlyGetsOneReplyPerFrame() throws Exception {
        CountDownLatch go = new CountDownLatch(1);
        ScriptedModel model = ScriptedModel.builder().name("test-detector").input("size", DType.FLOAT32, 1, 2)
                .output("boxes", DType.FLOAT32, 1, 12).script((in, out) -> {
                    try {
                        go.await(30, TimeUnit.SECONDS); // the first run holds the burst back
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    out[0].putFloats(0, new float[]{1, 1, 2, 2, 0.9f, 1}, 0, 6);
                }).build();
        SessionFactory<DetectionImage, FloatVector> factory = SessionFactory.named("scripted", "test-detector",
                (req, l) -> StreamingInferenceSession.builder(model, new TestSupport.DetTask())
                        .config(TestSupport.config(req, IngressPolicy.LATEST_ONLY)).listener(l).build());
        String image = Base64.getEncoder().encodeToString(jpeg(16, 16, 70));
        try (StreamingServer s = StreamingServer.builder().host("127.0.0.1").port(0).ioThreads(1).blockingThreads(2)
                .detection(DetectionEndpoint.of(factory, TestSupport.detEncoder())).start();
             Ws c = Ws.connect("ws://127.0.0.1:" + s.port() + "/stream/detection?fps_limit=1000")) {
            assertThat(c.nextJson().get("type").asText()).isEqualTo("connected");
            Set<String> sent = new HashSet<>();
            for (int i = 1; i <= BURST; i++) {
                c.send("{\"type\":\"frame\",\"image_data\":\"" + image + "\",\"frame_id\":\"d" + i + "\"}");
                sent.add("d" + i);
            }
            Map<String, Integer> replies = new HashMap<>();
            Map<String, Integer> codes = new HashMap<>();
            int queueFull = 0;
            c.send("{\"type\":\"stats\"}"); // its reply means the server has read every frame
            boolean released = false;
            JsonNode stats = null;
            while (stats == null) {
                JsonNode m = c.nextJson();
                String type = m.get("type").asText();
                if (type.equals("stats")) {
                    if (released) {
                        stats = m;
                    } else {
                        go.countDown();
                        released = true;
                    }
                    continue;
                }
                assertThat(type).isIn("detection_result", "error");
                String id = type.equals("error") ? m.get("frame_id").asText() : m.get("data").get("frame_id").asText();
                replies.merge(id, 1, Integer::sum);
                if (type.equals("error")) {
                    assertThat(m.get("error").asText()).isEqualTo("Frame queue full");
                    codes.merge(m.get("code").asText(), 1, Integer::sum);
                    queueFull++;
                }
                if (released && replies.size() == BURST) {
                    c.send("{\"type\":\"stats\"}");
                }
            }
            assertThat(replies.keySet()).containsExactlyInAnyOrderElementsOf(sent);
            assertThat(replies.values()).allMatch(n -> n == 1);
            assertThat(codes.keySet()).isSubsetOf("superseded", "rate_limited");
            assertThat(codes.get("superseded")).isGreaterThan(0);
            assertThat(stats.get("frames_received").asLong()).isEqualTo(BURST);
            assertThat(stats.get("frames_dropped").asLong()).isEqualTo(queueFull);
            assertThat(stats.get("dropped_by_reason").get("superseded").asLong())
                    .isEqualTo(codes.get("superseded").longValue());
            assertThat(stats.get("pending_frames").asLong()).isZero();
            assertThat(stats.get("results_with_frame").asLong()).isEqualTo(BURST - queueFull);
        }
    }
}
