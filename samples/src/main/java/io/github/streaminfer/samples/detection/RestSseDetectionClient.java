package io.github.streaminfer.samples.detection;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A client of the detection REST + SSE API: creates a session ({@code POST /stream/sessions}), reads its event
 * stream ({@code GET /stream/events/{id}}) on a thread of its own, uploads each frame as raw JPEG
 * ({@code POST /stream/process/{id}}) and waits for the frame's result on the stream; {@link #close()} deletes the
 * session.
 *
 * <p><b>Note:</b> {@link #detect} from one thread at a time.
 */
public final class RestSseDetectionClient implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final URI base;
    private final String apiKey;
    private final String sessionId;
    private final Map<String, CompletableFuture<DetectionReply>> pending = new ConcurrentHashMap<>();
    private final CompletableFuture<Void> streamOpen = new CompletableFuture<>();
    private final Thread reader;
    private volatile InputStream events;

    /**
     * Creates a session and connects its event stream.
     *
     * @param base     the server, e.g. {@code http://127.0.0.1:8000}
     * @param apiKey   an API key, or null
     * @param settings the session's settings as JSON, e.g. {@code {"fps_limit": 30}}
     * @throws Exception if the session cannot be created or its stream does not open within 30 s
     */
    public RestSseDetectionClient(URI base, String apiKey, String settings) throws Exception {
        this.base = base;
        this.apiKey = apiKey;
        HttpResponse<String> created = http.send(request("/stream/sessions")
                .POST(HttpRequest.BodyPublishers.ofString(settings)).header("Content-Type", "application/json")
                .build(), HttpResponse.BodyHandlers.ofString());
        if (created.statusCode() != 201) {
            throw new IllegalStateException("POST /stream/sessions: " + created.statusCode() + " " + created.body());
        }
        sessionId = JSON.readTree(created.body()).path("session_id").asText();
        HttpResponse<InputStream> stream = http.send(request("/stream/events/" + sessionId).GET()
                .header("Accept", "text/event-stream").build(), HttpResponse.BodyHandlers.ofInputStream());
        if (stream.statusCode() != 200) {
            throw new IllegalStateException("GET /stream/events: " + stream.statusCode());
        }
        events = stream.body();
        reader = new Thread(this::read, "sse-" + sessionId);
        reader.setDaemon(true);
        reader.start();
        streamOpen.get(30, TimeUnit.SECONDS);
    }

    private HttpRequest.Builder request(String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(10));
        if (apiKey != null) {
            b.header("X-API-Key", apiKey);
        }
        return b;
    }

    /** {@return the session's id} */
    public String sessionId() {
        return sessionId;
    }

    private void read() {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(events, StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                if (!line.startsWith("data:")) {
                    continue;
                }
                JsonNode msg = JSON.readTree(line.substring(5).trim());
                if (msg.path("type").asText().equals("connected")) {
                    streamOpen.complete(null);
                }
                DetectionReply r = DetectionReply.parse(msg);
                CompletableFuture<DetectionReply> f = r == null ? null : pending.get(r.frameId());
                if (f != null) {
                    f.complete(r);
                }
            }
        } catch (Exception e) {
            streamOpen.completeExceptionally(e);
            pending.values().forEach(f -> f.completeExceptionally(e));
        }
    }

    /**
     * Uploads one frame and waits for its result on the event stream.
     *
     * @param frameId unique id of the frame
     * @param jpeg    the frame, JPEG-encoded
     * @return the reply (an upload the server refused becomes an error reply with its status)
     * @throws Exception if no result comes within 60 s (a first frame waits for the decoder and model to load)
     */
    public DetectionReply detect(String frameId, byte[] jpeg) throws Exception {
        CompletableFuture<DetectionReply> reply = new CompletableFuture<>();
        pending.put(frameId, reply);
        try {
            HttpResponse<String> r = http.send(request("/stream/process/" + sessionId + "?frame_id=" + frameId)
                    .POST(HttpRequest.BodyPublishers.ofByteArray(jpeg)).header("Content-Type", "image/jpeg").build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 202) {
                return new DetectionReply(frameId, java.util.List.of(), Double.NaN, r.statusCode() + " " + r.body());
            }
            return reply.get(60, TimeUnit.SECONDS);
        } finally {
            pending.remove(frameId);
        }
    }

    @Override
    public void close() throws Exception {
        try {
            http.send(request("/stream/sessions/" + sessionId).DELETE().build(),
                    HttpResponse.BodyHandlers.discarding());
        } finally {
            InputStream in = events;
            if (in != null) {
                in.close();
            }
            reader.join(5000);
        }
    }
}
