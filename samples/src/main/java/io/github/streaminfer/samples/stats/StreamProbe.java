package io.github.streaminfer.samples.stats;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.streaminfer.samples.detection.BoxPainter;
import io.github.streaminfer.samples.detection.TestScenes;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Connects to one of StreamInfer's streams and records every frame it delivers into a {@link FrameStats}. The
 * stream's kind follows from the URL:
 * <ul>
 *   <li>{@code ws://.../stream/generated}: sends {@code start_streaming}; frames are the binary JPEG messages; ends
 *       at {@code streaming_completed};</li>
 *   <li>{@code ws://.../v1/stream} (VLA): sends {@code auth}, then camera frames at {@code fps}; frames are the
 *       {@code action} replies;</li>
 *   <li>{@code ws://.../stream/detection}: sends camera frames at {@code fps}; frames are the
 *       {@code detection_result} replies;</li>
 *   <li>{@code http://.../infer/stream} (signal SSE): {@code POST}s {@code duration_seconds} and {@code fps};
 *       frames are the result events; ends at the completion event;</li>
 *   <li>{@code http://.../stream/events/{id}} (detection SSE): frames are the {@code detection_result} events;</li>
 *   <li>any other {@code ws://} URL: every message is a frame.</li>
 * </ul>
 * Each stream is read for at most {@code seconds} (generated and signal streams, which end by themselves, get 10 s
 * more for start-up). The camera frames sent are rendered {@link TestScenes}.
 *
 * <p><b>Note:</b> {@link #run} blocks its caller; frames are recorded on the HTTP client's threads.
 */
public final class StreamProbe {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Extra time a generated or signal stream is given beyond its length before the client stops reading. */
    private static final double GRACE_SECONDS = 10;
    /** Longest the client waits for the replies to its last frames. */
    private static final long SETTLE_MILLIS = 10_000;

    /** What a URL points at. */
    public enum Kind {
        /** The generated-frame WebSocket. */
        GENERATED,
        /** The VLA WebSocket. */
        VLA,
        /** The detection WebSocket. */
        DETECTION,
        /** The signal SSE stream ({@code POST /infer/stream}). */
        SIGNAL_SSE,
        /** A detection session's event stream. */
        EVENTS_SSE,
        /** Any other WebSocket. */
        WEBSOCKET;

        /**
         * {@return the kind of stream a URL points at}
         *
         * @param uri the URL
         * @throws IllegalArgumentException if the URL is neither a WebSocket nor one of the SSE streams
         */
        public static Kind of(URI uri) {
            String scheme = String.valueOf(uri.getScheme()).toLowerCase(Locale.ROOT);
            String path = uri.getPath() == null ? "" : uri.getPath();
            boolean ws = scheme.equals("ws") || scheme.equals("wss");
            if (ws) {
                return path.endsWith("/stream/generated") ? GENERATED : path.endsWith("/v1/stream") ? VLA
                        : path.endsWith("/stream/detection") ? DETECTION : WEBSOCKET;
            }
            if (scheme.equals("http") || scheme.equals("https")) {
                if (path.endsWith("/infer/stream")) {
                    return SIGNAL_SSE;
                }
                if (path.contains("/stream/events/")) {
                    return EVENTS_SSE;
                }
            }
            throw new IllegalArgumentException("url is '" + uri + "'; allowed: ws(s)://... (generated, VLA, "
                    + "detection or any WebSocket), http(s)://.../infer/stream, http(s)://.../stream/events/{id}");
        }
    }

    /**
     * What to connect to and how.
     *
     * @param uri     the stream's URL
     * @param seconds longest time to read, and the stream length asked of generated and signal streams
     * @param fps     frames per second sent to the VLA and detection WebSockets, and asked of the others
     * @param apiKey  API key, or null
     * @param saveDir folder the binary frames of a WebSocket are written to ({@code frame_00001.jpg}, ...), or null
     */
    public record Options(URI uri, double seconds, double fps, String apiKey, Path saveDir) {
        /**
         * Validates.
         *
         * @param uri     see the class description
         * @param seconds see the class description
         * @param fps     see the class description
         * @param apiKey  see the class description
         * @param saveDir see the class description
         */
        public Options {
            if (!(seconds > 0 && seconds <= 86_400)) {
                throw new IllegalArgumentException("seconds is " + seconds + "; allowed: > 0 to 86400");
            }
            if (!(fps > 0 && fps <= 1000)) {
                throw new IllegalArgumentException("fps is " + fps + "; allowed: > 0 to 1000");
            }
            Kind.of(uri);
        }
    }

    private StreamProbe() {
    }

    /**
     * Reads a stream until it ends or {@code seconds} pass.
     *
     * @param options what to connect to
     * @param stats   receives the start and every frame
     * @return a one-line note on how the stream ended
     * @throws Exception if the connection fails
     */
    public static String run(Options options, FrameStats stats) throws Exception {
        Kind kind = Kind.of(options.uri());
        return switch (kind) {
            case SIGNAL_SSE, EVENTS_SSE -> sse(kind, options, stats);
            default -> websocket(kind, options, stats);
        };
    }

    /** {@return when to stop reading: the stream's length from now, plus start-up time for streams that end} */
    private static long deadline(Kind kind, Options o) {
        double grace = kind == Kind.GENERATED || kind == Kind.SIGNAL_SSE ? GRACE_SECONDS : 0;
        return System.nanoTime() + (long) ((o.seconds() + grace) * 1e9);
    }

    private static String sse(Kind kind, Options o, FrameStats stats) throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        HttpRequest.Builder req = HttpRequest.newBuilder(o.uri()).header("Accept", "text/event-stream");
        if (o.apiKey() != null) {
            req.header("X-API-Key", o.apiKey());
        }
        if (kind == Kind.SIGNAL_SSE) {
            ObjectNode body = JSON.createObjectNode().put("duration_seconds", o.seconds()).put("fps", o.fps());
            req.POST(HttpRequest.BodyPublishers.ofString(body.toString())).header("Content-Type", "application/json");
        } else {
            req.GET();
        }
        stats.start(System.nanoTime());
        long deadline = deadline(kind, o);
        HttpResponse<InputStream> r = http.send(req.build(), HttpResponse.BodyHandlers.ofInputStream());
        if (r.statusCode() != 200) {
            throw new IllegalStateException(o.uri() + ": HTTP " + r.statusCode() + " "
                    + new String(r.body().readAllBytes(), StandardCharsets.UTF_8));
        }
        InputStream body = r.body();
        Thread watchdog = new Thread(() -> {
            try {
                Thread.sleep(Math.max(0, (deadline - System.nanoTime()) / 1_000_000));
                body.close();
            } catch (Exception e) {
                // interrupted: the stream ended first
            }
        }, "stats-deadline");
        watchdog.setDaemon(true);
        watchdog.start();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                if (!line.startsWith("data:")) {
                    continue;
                }
                JsonNode msg = JSON.readTree(line.substring(5).trim());
                if (kind == Kind.SIGNAL_SSE && msg.has("status")) {
                    return "stream completed: " + msg.path("status").asText();
                }
                boolean frame = kind == Kind.SIGNAL_SSE ? msg.has("prediction")
                        : msg.path("type").asText().equals("detection_result");
                if (frame) {
                    stats.frame(System.nanoTime(), line.length() - 5);
                }
                if (msg.path("type").asText().equals("closed")) {
                    return "stream closed: " + msg.path("reason").asText();
                }
            }
            return "stream ended";
        } catch (IOException e) {
            if (System.nanoTime() >= deadline) {
                return "stopped reading after " + o.seconds() + " s";
            }
            throw e;
        } finally {
            watchdog.interrupt();
        }
    }

    private static String websocket(Kind kind, Options o, FrameStats stats) throws Exception {
        URI uri = o.uri();
        if (kind == Kind.DETECTION && (uri.getQuery() == null || !uri.getQuery().contains("fps_limit"))) {
            uri = URI.create(uri + (uri.getQuery() == null ? "?" : "&") + "fps_limit="
                    + Math.min(1000, Math.ceil(o.fps() * 2)));
        }
        CompletableFuture<String> ended = new CompletableFuture<>();
        CompletableFuture<Void> ready = new CompletableFuture<>();
        WebSocket.Builder b = HttpClient.newHttpClient().newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10));
        if (o.apiKey() != null && kind != Kind.VLA) {
            b.header("X-API-Key", o.apiKey());
        }
        StreamListener listener = new StreamListener(kind, stats, ready, ended, o.saveDir());
        long connectStart = System.nanoTime();
        WebSocket ws = b.buildAsync(uri, listener).get(10, TimeUnit.SECONDS);
        long deadline = deadline(kind, o);
        try {
            if (kind == Kind.VLA || kind == Kind.DETECTION) {
                if (kind == Kind.VLA) {
                    ObjectNode auth = JSON.createObjectNode().put("type", "auth").put("target_fps", o.fps());
                    if (o.apiKey() != null) {
                        auth.put("api_key", o.apiKey());
                    }
                    ws.sendText(auth.toString(), true).join();
                }
                ready.get(30, TimeUnit.SECONDS); // the server opens the session (and warms it up) before this
                deadline = deadline(kind, o);
            }
            switch (kind) {
                case GENERATED -> {
                    stats.start(System.nanoTime());
                    ws.sendText(JSON.createObjectNode().put("type", "start_streaming").put("fps", o.fps())
                            .put("seconds", o.seconds()).toString(), true).join();
                }
                case VLA, DETECTION -> sendFrames(ws, kind, o, stats, deadline, ended, listener);
                default -> stats.start(connectStart);
            }
            long left = deadline - System.nanoTime();
            try {
                return ended.get(Math.max(1, left), TimeUnit.NANOSECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                return "stopped reading after " + o.seconds() + " s";
            }
        } finally {
            if (kind == Kind.VLA) {
                ws.sendText("{\"type\":\"close\"}", true);
            }
            ws.sendClose(WebSocket.NORMAL_CLOSURE, "done").exceptionally(e -> null);
            ws.abort();
        }
    }

    private static void sendFrames(WebSocket ws, Kind kind, Options o, FrameStats stats, long deadline,
                                   CompletableFuture<String> ended, StreamListener listener) throws Exception {
        String[] images = new String[8];
        for (int i = 0; i < images.length; i++) {
            images[i] = Base64.getEncoder().encodeToString(BoxPainter.jpeg(TestScenes.frame(i * 4, 320, 180), 0.8f));
        }
        long period = (long) (1e9 / o.fps());
        long next = System.nanoTime();
        stats.start(next);
        deadline = next + (long) (o.seconds() * 1e9);
        int n = 0;
        while (System.nanoTime() < deadline && !ended.isDone()) {
            n++;
            ObjectNode f = JSON.createObjectNode().put("type", "frame").put("frame_id", "f" + n)
                    .put("timestamp", System.currentTimeMillis() / 1000.0);
            f.put(kind == Kind.VLA ? "image" : "image_data", images[n % images.length]);
            ws.sendText(f.toString(), true).get(10, TimeUnit.SECONDS);
            next += period;
            long wait = next - System.nanoTime();
            if (wait > 0) {
                TimeUnit.NANOSECONDS.sleep(wait);
            }
        }
        // every frame gets exactly one reply (its result or an error): wait for the last ones, within bounds
        long settle = System.nanoTime() + SETTLE_MILLIS * 1_000_000L;
        while (listener.replies() < n && System.nanoTime() < settle && !ended.isDone()) {
            TimeUnit.MILLISECONDS.sleep(10);
        }
        ended.complete("sent " + n + " frames in " + o.seconds() + " s, " + listener.replies() + " replies");
    }
}
