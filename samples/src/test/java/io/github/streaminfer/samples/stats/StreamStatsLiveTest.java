package io.github.streaminfer.samples.stats;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.streaminfer.backend.Backends;
import io.github.streaminfer.backend.LoadedModel;
import io.github.streaminfer.backend.ModelOptions;
import io.github.streaminfer.backend.ModelSource;
import io.github.streaminfer.image.ImageSpec;
import io.github.streaminfer.samples.detection.BoxPainter;
import io.github.streaminfer.samples.detection.FaceDetectionEndpoint;
import io.github.streaminfer.samples.detection.TestScenes;
import io.github.streaminfer.samples.generated.GeneratedFrameServer;
import io.github.streaminfer.samples.generated.StylizeModel;
import io.github.streaminfer.session.SessionConfig;
import io.github.streaminfer.session.StreamingInferenceSession;
import io.github.streaminfer.synthetic.SyntheticModels;
import io.github.streaminfer.task.ActionChunk;
import io.github.streaminfer.task.FloatArrayTask;
import io.github.streaminfer.task.FloatVector;
import io.github.streaminfer.task.PolicyTask;
import io.github.streaminfer.testkit.models.RealModel;
import io.github.streaminfer.transport.ActionEncoder;
import io.github.streaminfer.transport.PolicyAdapters;
import io.github.streaminfer.transport.ServerLimits;
import io.github.streaminfer.transport.SessionFactory;
import io.github.streaminfer.transport.StreamingServer;
import io.github.streaminfer.transport.signal.ClassificationEncoder;
import io.github.streaminfer.transport.signal.SignalEndpoint;
import io.github.streaminfer.transport.vla.VlaEndpoint;
import io.github.streaminfer.transport.vla.VlaFrame;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code streaminfer-stats} against live in-process servers on loopback: the generated-frame stream, the VLA and
 * detection WebSockets, the signal SSE stream and a detection session's SSE events. Frame rates are not asserted (the build machine is
 * shared); what is asserted is that every kind of stream is read, counted and summarised consistently.
 */
class StreamStatsLiveTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static LoadedModel faces;
    private static LoadedModel policy;
    private static LoadedModel stylize;
    private static LoadedModel emg;
    private static StreamingServer server;
    private static GeneratedFrameServer generated;

    @BeforeAll
    static void start() throws Exception {
        faces = Backends.require("onnx").load(ModelSource.of(RealModel.BLAZEFACE_FRONT.fetch()),
                ModelOptions.DEFAULT);
        policy = Backends.require("onnx").load(ModelSource.ofBytes("policy",
                new SyntheticModels.Policy(96, 96, 12, 1, 0).bytes()), ModelOptions.DEFAULT);
        SessionFactory<VlaFrame, ActionChunk> vla = (request, listener) -> StreamingInferenceSession
                .builder(policy, PolicyAdapters.vla(PolicyTask.builder()
                        .image("image", ImageSpec.builder(96, 96).build()).state("state").action("action").build()))
                .config(SessionConfig.DEFAULT.toBuilder().name("vla-" + request.sessionId()).build())
                .listener(listener).build();
        emg = Backends.require("onnx").load(ModelSource.ofBytes("emg", new SyntheticModels.EmgClassifier(false).bytes()),
                ModelOptions.DEFAULT);
        SessionFactory<float[], FloatVector> signal = (request, listener) -> StreamingInferenceSession
                .builder(emg, FloatArrayTask.firstInputOutput())
                .config(SessionConfig.DEFAULT.toBuilder().name("emg-" + request.sessionId()).build())
                .listener(listener).build();
        server = StreamingServer.builder().host("127.0.0.1").port(0)
                .signal(SignalEndpoint.synthetic(Map.of("onnx", signal), ClassificationEncoder.softmaxArgmax(1, 7)))
                .detection(FaceDetectionEndpoint.create(faces, ServerLimits.DEFAULT.maxImagePixels(), 60))
                .vla(VlaEndpoint.of(vla, ActionEncoder.actionChunk()))
                .start();
        StylizeModel shape = new StylizeModel(160, 90);
        stylize = Backends.require("onnx").load(ModelSource.ofBytes("stylize", shape.bytes()), ModelOptions.DEFAULT);
        generated = new GeneratedFrameServer("127.0.0.1", 0, stylize, shape);
        // the first frames of a fresh JVM pay for class loading, the JIT and the decoders' first use (seconds on a
        // loaded machine); one throwaway stream per endpoint keeps that out of the streams the tests read
        for (String path : new String[] {"/v1/stream", "/stream/detection"}) {
            StreamStats.run(new String[] {"ws://127.0.0.1:" + server.port() + path, "--seconds", "3", "--fps", "10",
                    "--quiet", "--json"}, new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                    new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        }
    }

    @AfterAll
    static void stop() {
        generated.close();
        server.close();
        stylize.close();
        emg.close();
        policy.close();
        faces.close();
    }

    private static JsonNode stats(String... args) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = StreamStats.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        String text = out.toString(StandardCharsets.UTF_8);
        assertThat(status).as("stdout %s%nstderr %s", text, err.toString(StandardCharsets.UTF_8)).isZero();
        return JSON.readTree(text);
    }

    private static void assertConsistent(JsonNode r) {
        int frames = r.path("frames").asInt();
        assertThat(frames).as(r.toString()).isGreaterThan(1);
        assertIntervalsConsistent(r);
    }

    private static void assertIntervalsConsistent(JsonNode r) {
        int frames = r.path("frames").asInt();
        assertThat(r.path("intervals_ms").path("count").asInt()).isEqualTo(frames - 1);
        JsonNode iv = r.path("intervals_ms");
        assertThat(iv.path("min").asDouble()).isLessThanOrEqualTo(iv.path("median").asDouble());
        assertThat(iv.path("median").asDouble()).isLessThanOrEqualTo(iv.path("max").asDouble());
        assertThat(iv.path("mean").asDouble()).isBetween(iv.path("min").asDouble(), iv.path("max").asDouble());
        assertThat(r.path("time_to_first_frame_seconds").asDouble()).isPositive();
        assertThat(r.path("average_fps").asDouble()).isPositive();
        assertThat(r.path("bandwidth_mbps").asDouble()).isPositive();
        assertThat(r.path("total_bytes").asLong()).isGreaterThanOrEqualTo(frames * 20L);
        assertThat(r.path("verdicts").path("fps_ok").asBoolean())
                .isEqualTo(r.path("average_fps").asDouble() >= 22.5);
    }

    @Test
    void readsTheGeneratedStreamToItsEndCountingAndSavingItsSepiaJpegFrames(@TempDir Path dir) throws Exception {
        JsonNode r = stats(generated.url(), "--seconds", "2", "--fps", "20", "--json", "--quiet", "--save",
                dir.toString());
        assertThat(r.path("stream").asText()).isEqualTo("generated");
        assertThat(r.path("ended").asText()).startsWith("stream completed");
        assertConsistent(r);
        int frames = r.path("frames").asInt();
        assertThat(frames).isLessThanOrEqualTo(40);
        assertThat(r.path("average_frame_bytes").asDouble()).as("a 160 x 90 JPEG").isGreaterThan(500);
        try (var files = Files.list(dir)) {
            assertThat(files.count()).as("every frame saved").isEqualTo(frames);
        }
        BufferedImage first = ImageIO.read(dir.resolve("frame_00001.jpg").toFile());
        assertThat(first.getWidth()).isEqualTo(160);
        assertThat(first.getHeight()).isEqualTo(90);
        long red = 0;
        long green = 0;
        long blue = 0;
        for (int y = 0; y < 90; y++) {
            for (int x = 0; x < 160; x++) {
                int p = first.getRGB(x, y);
                red += (p >> 16) & 255;
                green += (p >> 8) & 255;
                blue += p & 255;
            }
        }
        // the scene's background is blue-grey; the model's sepia rows weigh red over green over blue
        assertThat(red).as("sepia-toned").isGreaterThan(green);
        assertThat(green).isGreaterThan(blue);
    }

    /**
     * Every frame of the request/reply WebSockets gets exactly one reply, its result or an error (a frame the
     * newest one replaced); the client waits for all of them and counts the results as frames. How many are results
     * depends on the machine's load, so only "at least one" is asserted.
     */
    private static void assertRequestReply(JsonNode r) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("sent (\\d+) frames in 2.0 s, (\\d+) replies")
                .matcher(r.path("ended").asText());
        assertThat(m.matches()).as(r.toString()).isTrue();
        int sent = Integer.parseInt(m.group(1));
        assertThat(sent).as("2 s at 10 fps").isBetween(5, 21);
        assertThat(Integer.parseInt(m.group(2))).as("one reply per frame").isEqualTo(sent);
        assertThat(r.path("frames").asInt()).isBetween(1, sent);
        if (r.path("frames").asInt() > 1) {
            assertIntervalsConsistent(r);
        }
    }

    @Test
    void countsTheActionsOfTheVlaWebSocket() throws Exception {
        JsonNode r = stats("ws://127.0.0.1:" + server.port() + "/v1/stream", "--seconds", "2", "--fps", "10",
                "--json", "--quiet");
        assertThat(r.path("stream").asText()).isEqualTo("vla");
        assertRequestReply(r);
    }

    @Test
    void readsTheSignalSseStreamToItsCompletionEvent() throws Exception {
        JsonNode r = stats("http://127.0.0.1:" + server.port() + "/infer/stream", "--seconds", "2", "--fps", "20",
                "--json", "--quiet");
        assertThat(r.path("stream").asText()).isEqualTo("signal_sse");
        assertThat(r.path("ended").asText()).isEqualTo("stream completed: completed");
        assertConsistent(r);
        assertThat(r.path("frames").asInt()).as("2 s at 20 fps").isLessThanOrEqualTo(40);
    }

    @Test
    void countsTheResultsOfTheDetectionWebSocket() throws Exception {
        JsonNode r = stats("ws://127.0.0.1:" + server.port() + "/stream/detection", "--seconds", "2", "--fps", "10",
                "--json", "--quiet");
        assertThat(r.path("stream").asText()).isEqualTo("detection");
        assertRequestReply(r);
    }

    @Test
    void countsTheDetectionResultsOfASessionsEventStream() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        String base = "http://127.0.0.1:" + server.port();
        HttpResponse<String> created = http.send(HttpRequest.newBuilder(URI.create(base + "/stream/sessions"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"fps_limit\": 60}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(created.statusCode()).isEqualTo(201);
        String id = JSON.readTree(created.body()).path("session_id").asText();
        CompletableFuture<JsonNode> result = CompletableFuture.supplyAsync(() -> {
            try {
                return stats(base + "/stream/events/" + id, "--seconds", "6", "--json", "--quiet");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        // wait until the stats client holds the session's event stream, then upload frames for about two seconds
        long until = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < until && !JSON.readTree(http.send(HttpRequest.newBuilder(
                URI.create(base + "/stream/sessions/" + id + "/stats")).build(),
                HttpResponse.BodyHandlers.ofString()).body()).path("event_stream_connected").asBoolean()) {
            Thread.sleep(20);
        }
        byte[] jpeg = BoxPainter.jpeg(TestScenes.frame(0, 320, 180), 0.8f);
        int accepted = 0;
        for (int i = 0; i < 30; i++) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/stream/process/" + id
                    + "?frame_id=f" + i)).header("Content-Type", "image/jpeg")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(jpeg)).build(), HttpResponse.BodyHandlers.ofString());
            accepted += r.statusCode() == 202 ? 1 : 0;
            Thread.sleep(50);
        }
        JsonNode r = result.get();
        assertThat(r.path("stream").asText()).isEqualTo("events_sse");
        assertThat(accepted).isPositive();
        assertThat(r.path("frames").asInt()).as(r.toString()).isBetween(1, accepted);
        if (r.path("frames").asInt() > 1) {
            assertIntervalsConsistent(r);
        }
    }
}
