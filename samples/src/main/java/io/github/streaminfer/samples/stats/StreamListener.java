package io.github.streaminfer.samples.stats;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Receives a WebSocket stream for {@link StreamProbe}: records each frame (a binary message of the generated stream,
 * an {@code action} or {@code detection_result} of the request/reply streams, any message of another WebSocket) in
 * the {@link FrameStats}, counts the replies to sent frames, completes {@code ready} at {@code connected} and
 * {@code ended} when the stream ends, and optionally saves binary frames.
 *
 * <p><b>Note:</b> called by the JDK HTTP client one message at a time; {@link #replies()} from any thread.
 */
final class StreamListener implements WebSocket.Listener {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final StreamProbe.Kind kind;
    private final FrameStats stats;
    private final CompletableFuture<Void> ready;
    private final CompletableFuture<String> ended;
    private final StringBuilder text = new StringBuilder();
    private final Path saveDir;
    private final ByteArrayOutputStream binary = new ByteArrayOutputStream();
    private long binaryBytes;
    private int saved;
    private final AtomicInteger replies = new AtomicInteger();

    StreamListener(StreamProbe.Kind kind, FrameStats stats, CompletableFuture<Void> ready,
                   CompletableFuture<String> ended, Path saveDir) {
        this.saveDir = saveDir;
        this.kind = kind;
        this.stats = stats;
        this.ready = ready;
        this.ended = ended;
    }

    @Override
    public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
        text.append(data);
        if (last) {
            long now = System.nanoTime();
            String message = text.toString();
            text.setLength(0);
            onMessage(message, now);
        }
        ws.request(1);
        return null;
    }

    private void onMessage(String message, long now) {
        if (kind == StreamProbe.Kind.WEBSOCKET) {
            stats.frame(now, message.length());
            return;
        }
        JsonNode msg;
        try {
            msg = JSON.readTree(message);
        } catch (Exception e) {
            return;
        }
        String type = msg.path("type").asText();
        switch (type) {
            case "connected" -> ready.complete(null);
            case "action", "detection_result" -> {
                stats.frame(now, message.length());
                replies.incrementAndGet();
            }
            case "streaming_completed" -> ended.complete("stream completed: " + msg.path("frames").asInt()
                    + " frames sent by the server");
            case "error" -> {
                if (msg.hasNonNull("frame_id")) {
                    replies.incrementAndGet();
                }
                if (!msg.hasNonNull("frame_id") || kind == StreamProbe.Kind.GENERATED) {
                    ended.complete("server error: " + msg.path("error").asText());
                }
            }
            default -> { }
        }
    }

    @Override
    public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
        binaryBytes += data.remaining();
        if (saveDir != null) {
            byte[] part = new byte[data.remaining()];
            data.get(part);
            binary.writeBytes(part);
        }
        if (last) {
            if (kind == StreamProbe.Kind.GENERATED || kind == StreamProbe.Kind.WEBSOCKET) {
                stats.frame(System.nanoTime(), binaryBytes);
            }
            binaryBytes = 0;
            if (saveDir != null) {
                save();
            }
        }
        ws.request(1);
        return null;
    }

    /** {@return the replies (results and errors) to the frames sent so far} */
    int replies() {
        return replies.get();
    }

    private void save() {
        try {
            Files.createDirectories(saveDir);
            Files.write(saveDir.resolve(String.format(Locale.ROOT, "frame_%05d.jpg", ++saved)),
                    binary.toByteArray());
        } catch (IOException e) {
            ended.complete("cannot save frames: " + e);
        }
        binary.reset();
    }

    @Override
    public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
        ready.completeExceptionally(new IllegalStateException("closed: " + statusCode + " " + reason));
        ended.complete("closed by the server: " + statusCode + (reason.isEmpty() ? "" : " " + reason));
        return null;
    }

    @Override
    public void onError(WebSocket ws, Throwable error) {
        ready.completeExceptionally(error);
        ended.complete("connection failed: " + error);
    }
}
