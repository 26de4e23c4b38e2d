package io.github.streaminfer.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.streaminfer.transport.internal.openpi.Msgpack;
import io.github.streaminfer.transport.openpi.NdArray;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The standalone server end to end on the ONNX backend: a synthetic policy written at start, PolicyTask with the
 * OpenCV image decoder, the action controller (smoothing + safety), the openpi endpoint with raw camera arrays, and
 * sessions warmed up before their first frame without the warm-up showing in the client's statistics.
 */
class StandaloneServerTest {
    static final ObjectMapper JSON = new ObjectMapper();

    static byte[] jpeg() throws Exception {
        BufferedImage img = new BufferedImage(64, 48, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 48; y++) {
            for (int x = 0; x < 64; x++) {
                img.setRGB(x, y, (x * 4) << 16 | (y * 5) << 8 | 128);
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "jpg", out);
        return out.toByteArray();
    }

    static final class Client implements WebSocket.Listener {
        final BlockingQueue<Object> inbox = new LinkedBlockingQueue<>();
        final StringBuilder text = new StringBuilder();
        ByteArrayOutputStream bin = new ByteArrayOutputStream();

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                inbox.add(text.toString());
                text.setLength(0);
            }
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
            byte[] b = new byte[data.remaining()];
            data.get(b);
            bin.write(b, 0, b.length);
            if (last) {
                inbox.add(bin.toByteArray());
                bin = new ByteArrayOutputStream();
            }
            ws.request(1);
            return null;
        }

        Object next() throws InterruptedException {
            Object o = inbox.poll(20, TimeUnit.SECONDS);
            assertThat(o).as("a message").isNotNull();
            return o;
        }
    }

    @ParameterizedTest(name = "inference on {0}")
    @ValueSource(strings = {"workers", "event-loops"})
    void servesThePolicyOnOnnxWithSmoothingAndSafety(String inferenceOn) throws Exception {
        ServerOptions o = ServerOptions.parse(new String[]{"--port", "0",
                "--api-key", "standalone_key_123:pro", "--inference-on", inferenceOn});
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        try (StreamingServerMain.Running r = StreamingServerMain.start(o, new PrintStream(log, true,
                StandardCharsets.UTF_8))) {
            String printed = log.toString(StandardCharsets.UTF_8);
            int port = r.server().port();
            assertThat(printed).contains("ws://127.0.0.1:" + port + "/v1/stream").contains("/stream/sessions")
                    .contains("/infer/stream").contains("/metrics").contains("backend 'onnx'")
                    .contains("image decoder: opencv").contains("threads: ")
                    .contains(inferenceOn.equals("workers") ? "inference worker" : "inferring on the event loops")
                    .contains("warm-up: 20 frames per new session").endsWith("streaminfer-server: ready\n");
            // the loopback warm-up went through a real WebSocket and got actions, although the real server has keys
            Matcher loopback = Pattern.compile("and (\\d+) VLA frames over loopback").matcher(printed);
            assertThat(loopback.find()).as(printed).isTrue();
            assertThat(Integer.parseInt(loopback.group(1))).as("VLA frames answered with an action over loopback")
                    .isGreaterThan(100);
            Matcher streamed = Pattern.compile("and (\\d+) signal stream events over SSE").matcher(printed);
            assertThat(streamed.find()).as(printed).isTrue();
            assertThat(Integer.parseInt(streamed.group(1))).as("signal events streamed back over loopback")
                    .isGreaterThan(100);
            HttpClient http = HttpClient.newHttpClient();
            Client c = new Client();
            WebSocket ws = http.newWebSocketBuilder().buildAsync(URI.create("ws://127.0.0.1:" + port + "/v1/stream"),
                    c).get(10, TimeUnit.SECONDS);
            ws.sendText("{\"type\":\"auth\",\"api_key\":\"standalone_key_123\",\"target_fps\":10,"
                    + "\"enable_smoothing\":true,\"smoothing_alpha\":0.5,\"enable_safety\":true}", true).join();
            JsonNode connected = JSON.readTree((String) c.next());
            assertThat(connected.get("type").asText()).isEqualTo("connected");
            String image = "data:image/jpeg;base64," + Base64.getEncoder().encodeToString(jpeg());
            for (int i = 1; i <= 3; i++) {
                ws.sendText("{\"type\":\"frame\",\"image\":\"" + image + "\",\"instruction\":\"pick\","
                        + "\"robot_state\":{\"pose\":[0.3,0,0.5,0,0,0],\"velocity\":[0,0,0,0,0,0]}}", true).join();
                JsonNode a = JSON.readTree((String) c.next());
                assertThat(a.get("type").asText()).as(a.toString()).isEqualTo("action");
                assertThat(a.get("frame_id").asLong()).isEqualTo(i);
                assertThat(a.get("action")).hasSize(7);
                for (JsonNode v : a.get("action")) {
                    assertThat(Double.isFinite(v.asDouble())).isTrue();
                }
                assertThat(a.get("smoothed").asBoolean()).isTrue();
                assertThat(a.get("safety_score").asDouble()).isBetween(0.0, 1.0);
                assertThat(a.has("executable")).isTrue();
            }
            ws.sendText("{\"type\":\"stats\"}", true).join();
            JsonNode stats = JSON.readTree((String) c.next());
            assertThat(stats.get("type").asText()).isEqualTo("stats");
            assertThat(stats.get("total_frames").asLong()).as("the 20 warm-up frames are not the client's: %s", stats)
                    .isEqualTo(3);
            assertThat(stats.get("actions_sent").asLong()).as(stats.toString()).isEqualTo(3);
            assertThat(stats.get("dropped_frames").asLong()).as(stats.toString()).isZero();
            ws.sendText("{\"type\":\"frame\",\"image\":\"" + image + "\",\"robot_state\":{\"pose\":"
                    + "[1,2,3,4,5,6,7],\"velocity\":[1,2,3,4,5,6]}}", true).join();
            JsonNode e = JSON.readTree((String) c.next());
            assertThat(e.get("type").asText()).isEqualTo("error");
            assertThat(e.get("message").asText()).contains("at most 12");
            ws.abort();

            Client pi = new Client();
            WebSocket pws = http.newWebSocketBuilder().header("Authorization", "Api-Key standalone_key_123")
                    .buildAsync(URI.create("ws://127.0.0.1:" + port + "/"), pi).get(10, TimeUnit.SECONDS);
            Map<String, Object> meta = Msgpack.decodeObservation((byte[]) pi.next());
            assertThat(meta).containsEntry("action_dim", 7L).containsEntry("action_horizon", 1L);
            byte[] pixels = new byte[48 * 64 * 3];
            for (int i = 0; i < pixels.length; i++) {
                pixels[i] = (byte) (i % 251);
            }
            Map<String, Object> obs = new LinkedHashMap<>();
            obs.put("observation/image", new NdArray("|u1", new long[]{48, 64, 3}, ByteBuffer.wrap(pixels)));
            obs.put("observation/state", NdArray.ofFloats(new float[]{0.1f, 0.2f, 0.3f}, 3));
            obs.put("prompt", "pick up the red cube");
            pws.sendBinary(ByteBuffer.wrap(Msgpack.encode(obs)), true).join();
            Map<String, Object> reply = Msgpack.decodeObservation((byte[]) pi.next());
            NdArray actions = (NdArray) reply.get("actions");
            assertThat(actions.shape()).containsExactly(1, 7);
            assertThat(((Number) reply.get("server_timing/infer_ms")).doubleValue()).isGreaterThan(0);
            pws.abort();

            java.net.http.HttpResponse<String> sse = http.send(java.net.http.HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + port + "/infer/stream")).header("X-API-Key", "standalone_key_123")
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofString(
                            "{\"duration_seconds\": 0.5, \"fps\": 10, \"preprocess\": true}")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            java.util.List<JsonNode> events = new java.util.ArrayList<>();
            for (String line : sse.body().split("\n")) {
                if (line.startsWith("data: ")) {
                    events.add(JSON.readTree(line.substring(6)));
                }
            }
            assertThat(events.size()).as(sse.body()).isGreaterThan(2);
            JsonNode first = events.get(0);
            assertThat(first.get("backend").asText()).isEqualTo("onnx");
            assertThat(first.get("prediction").asInt()).isBetween(0, 6);
            assertThat(first.get("confidence").asDouble()).isBetween(1.0 / 7, 1.0);
            assertThat(events.get(events.size() - 1).get("status").asText()).isEqualTo("completed");
        }
    }

    @Test
    void servesAModelFileWithAnInstructionInputAndActionChunks(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        java.nio.file.Path model = dir.resolve("chunk-policy.onnx");
        java.nio.file.Files.write(model, new io.github.streaminfer.synthetic.SyntheticModels.Policy(64, 64, 6, 4, 8)
                .bytes());
        ServerOptions o = ServerOptions.parse(new String[]{"--port", "0", "--model",
                model.toString()});
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        try (StreamingServerMain.Running r = StreamingServerMain.start(o, new PrintStream(log, true,
                StandardCharsets.UTF_8))) {
            assertThat(log.toString(StandardCharsets.UTF_8)).contains("policy 'chunk-policy.onnx'")
                    .contains("64x64").contains("state 'state' [6]").contains("4x7");
            Client c = new Client();
            WebSocket ws = HttpClient.newHttpClient().newWebSocketBuilder().buildAsync(URI.create("ws://127.0.0.1:"
                    + r.server().port() + "/v1/stream"), c).get(10, TimeUnit.SECONDS);
            ws.sendText("{\"type\":\"auth\",\"target_fps\":10,\"enable_smoothing\":false}", true).join();
            assertThat(JSON.readTree((String) c.next()).get("type").asText()).isEqualTo("connected");
            String image = "data:image/jpeg;base64," + Base64.getEncoder().encodeToString(jpeg());
            ws.sendText("{\"type\":\"frame\",\"image\":\"" + image + "\",\"instruction\":\"stack the cups\","
                    + "\"robot_state\":{\"pose\":[0.1,0.2,0.3]}}", true).join();
            JsonNode a = JSON.readTree((String) c.next());
            assertThat(a.get("type").asText()).as(a.toString()).isEqualTo("action");
            assertThat(a.get("action")).hasSize(7);
            assertThat(a.get("smoothed").asBoolean()).isFalse();
            ws.abort();
        }
    }

    @Test
    void badCommandLinesAreRefusedWithTheReason() {
        assertThatThrownBy(() -> ServerOptions.parse(new String[]{"--port", "x"}))
                .hasMessageContaining("--port 'x' is not a number");
        assertThatThrownBy(() -> ServerOptions.parse(new String[]{"--tls-cert", "a.pem"}))
                .hasMessageContaining("go together");
        assertThatThrownBy(() -> ServerOptions.parse(new String[]{"--model", "/nonexistent.onnx"}))
                .hasMessageContaining("not a readable file");
        assertThatThrownBy(() -> ServerOptions.parse(new String[]{"--frobnicate"}))
                .hasMessageContaining("unknown option");
        assertThatThrownBy(() -> ServerOptions.parse(new String[]{"--warmup", "-1"}))
                .hasMessageContaining("--warmup is -1; allowed: 0 to 10000");
        assertThatThrownBy(() -> ServerOptions.parse(new String[]{"--inference-on", "gpu"}))
                .hasMessage("--inference-on is 'gpu'; allowed: workers, event-loops");
        assertThatThrownBy(() -> ServerOptions.parse(new String[]{"--workers", "2", "--inference-on", "event-loops"}))
                .hasMessageContaining("--workers does not go with --inference-on event-loops");
        assertThat(ServerOptions.parse(new String[]{"--inference-on", "event-loops"}).ioThreads)
                .as("every core runs an event loop that infers").isEqualTo(Runtime.getRuntime().availableProcessors());
        assertThatThrownBy(() -> ServerOptions.parse(new String[]{"--workers", "0"}))
                .hasMessageContaining("--workers is 0; allowed: 1 to 1024");
        assertThat(ServerOptions.parse(new String[0]).warmup).as("warm-up is on by default")
                .isEqualTo(ServerOptions.DEFAULT_WARMUP).isPositive();
    }

    @Test
    void anUnknownBackendIsRefusedWithEveryBackendListed() {
        ServerOptions o = ServerOptions.parse(new String[]{"--port", "0", "--backend", "nosuch"});
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        assertThatThrownBy(() -> StreamingServerMain.start(o, quiet))
                .isInstanceOf(io.github.streaminfer.exceptions.BackendUnavailableException.class)
                .hasMessageContaining("no backend 'nosuch' found")
                .hasMessageContaining("backends found:")
                .hasMessageContaining("onnx: available");
    }
}
