package io.github.streaminfer.samples.detection;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A client of the detection WebSocket ({@code /stream/detection}): sends each frame as the seed's {@code frame}
 * message with base64 JPEG and waits for the one reply every frame gets.
 *
 * <p><b>Note:</b> {@link #detect} from one thread at a time; replies arrive on the HTTP client's threads.
 */
public final class WsDetectionClient implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final WebSocket socket;
    private final Map<String, CompletableFuture<DetectionReply>> pending = new ConcurrentHashMap<>();
    private final CompletableFuture<JsonNode> connected = new CompletableFuture<>();

    /**
     * Connects and waits for the server's {@code connected} message.
     *
     * @param uri    e.g. {@code ws://127.0.0.1:8000/stream/detection?fps_limit=30}
     * @param apiKey an API key sent as {@code X-API-Key}, or null
     * @throws Exception if the connection fails or no {@code connected} arrives within 30 s
     */
    public WsDetectionClient(URI uri, String apiKey) throws Exception {
        WebSocket.Builder b = HttpClient.newHttpClient().newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10));
        if (apiKey != null) {
            b.header("X-API-Key", apiKey);
        }
        socket = b.buildAsync(uri, new Listener()).get(10, TimeUnit.SECONDS);
        connected.get(30, TimeUnit.SECONDS);
    }

    /** {@return the server's {@code connected} message} */
    public JsonNode connectedMessage() {
        return connected.join();
    }

    /**
     * Sends one frame and waits for its reply.
     *
     * @param frameId unique id of the frame
     * @param jpeg    the frame, JPEG-encoded
     * @return the server's reply
     * @throws Exception if no reply comes within 60 s (a first frame waits for the decoder and model to load)
     */
    public DetectionReply detect(String frameId, byte[] jpeg) throws Exception {
        ObjectNode msg = JSON.createObjectNode().put("type", "frame").put("frame_id", frameId)
                .put("timestamp", System.currentTimeMillis() / 1000.0)
                .put("image_data", Base64.getEncoder().encodeToString(jpeg));
        CompletableFuture<DetectionReply> reply = new CompletableFuture<>();
        pending.put(frameId, reply);
        socket.sendText(JSON.writeValueAsString(msg), true).get(10, TimeUnit.SECONDS);
        try {
            return reply.get(60, TimeUnit.SECONDS);
        } finally {
            pending.remove(frameId);
        }
    }

    @Override
    public void close() {
        try {
            socket.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            socket.abort();
        }
    }

    private final class Listener implements WebSocket.Listener {
        private final StringBuilder text = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                try {
                    JsonNode msg = JSON.readTree(text.toString());
                    if (msg.path("type").asText().equals("connected")) {
                        connected.complete(msg);
                    }
                    DetectionReply r = DetectionReply.parse(msg);
                    CompletableFuture<DetectionReply> f = r == null ? null : pending.get(r.frameId());
                    if (f != null) {
                        f.complete(r);
                    }
                } catch (Exception e) {
                    connected.completeExceptionally(e);
                } finally {
                    text.setLength(0);
                }
            }
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
            IllegalStateException closed = new IllegalStateException("closed by the server: " + statusCode + " "
                    + reason);
            connected.completeExceptionally(closed);
            pending.values().forEach(f -> f.completeExceptionally(closed));
            return null;
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            connected.completeExceptionally(error);
            pending.values().forEach(f -> f.completeExceptionally(error));
        }
    }
}
