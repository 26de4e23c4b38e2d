package io.github.streaminfer.server;

import io.github.streaminfer.transport.AccessPolicy;
import io.github.streaminfer.transport.StreamingServer;
import io.github.streaminfer.transport.Tier;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Drives VLA frames over a real loopback WebSocket, and a signal stream over SSE, through a throwaway server before
 * the real one starts, so that the JIT has compiled the whole path a client's frame takes (HTTP and WebSocket
 * codecs, the frame reader, the session, decoding, the model, the action and event writers) before the first client
 * arrives.
 *
 * <p>Session warm-up ({@code --warmup}) runs frames through a session only; the event loop's half of the path is
 * what this adds. The throwaway server shares the real one's classes, endpoints and models, not its port, keys,
 * sessions or statistics.
 *
 * <p><b>Note:</b> runs on the calling thread and blocks it until the frames are answered or the deadline passes.
 */
final class NetworkWarmup {
    /** Frames in flight at once: enough to keep the worker busy, few enough that nothing is superseded. */
    private static final int WINDOW = 1;

    private NetworkWarmup() {
    }

    /**
     * {@return how many frames got an action} Sends {@code frames} frames, one at a time, or stops at
     * {@code deadline}.
     *
     * @param server   the throwaway server, on loopback
     * @param apiKey   the key its {@link #access(String) access policy} admits
     * @param jpeg     the camera image each frame carries
     * @param stateLen the length of each frame's pose and velocity together
     * @param frames   frames to send
     * @param deadline the longest the warm-up may take
     */
    static int run(StreamingServer server, String apiKey, byte[] jpeg, int stateLen, int frames, Duration deadline) {
        String frame = frameMessage(jpeg, stateLen);
        Semaphore window = new Semaphore(WINDOW);
        AtomicInteger actions = new AtomicInteger();
        CompletableFuture<Void> connected = new CompletableFuture<>();
        HttpClient http = HttpClient.newHttpClient();
        long end = System.nanoTime() + deadline.toNanos();
        WebSocket ws = null;
        try {
            ws = http.newWebSocketBuilder().connectTimeout(deadline)
                    .buildAsync(URI.create("ws://127.0.0.1:" + server.port() + "/v1/stream"),
                            new Replies(window, actions, connected))
                    .get(deadline.toMillis(), TimeUnit.MILLISECONDS);
            ws.sendText("{\"type\":\"auth\",\"api_key\":\"" + apiKey + "\",\"target_fps\":1000}", true).join();
            connected.get(deadline.toMillis(), TimeUnit.MILLISECONDS);
            for (int i = 0; i < frames; i++) {
                long left = end - System.nanoTime();
                if (left <= 0 || !window.tryAcquire(left, TimeUnit.NANOSECONDS)) {
                    break;
                }
                ws.sendText(frame, true).join();
            }
            window.tryAcquire(WINDOW, Math.max(0, end - System.nanoTime()), TimeUnit.NANOSECONDS);
            return actions.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return actions.get();
        } catch (Exception e) { // a warm-up that fails leaves a colder server, never a broken one
            return actions.get();
        } finally {
            if (ws != null) {
                ws.abort();
            }
        }
    }

    /**
     * {@return how many result events came back} Streams {@code events} signal windows at 1000 a second through the
     * throwaway server's {@code POST /infer/stream} (server-side source, preprocessing on) and reads the SSE response
     * to its end, or stops at {@code deadline}: the stream's ticker, session, model and event writer are then
     * compiled before the first client opens a stream.
     *
     * @param server   the throwaway server, on loopback, with a signal endpoint
     * @param apiKey   the key its {@link #access(String) access policy} admits
     * @param events   windows to stream
     * @param deadline the longest the warm-up may take
     */
    static int runSignalStream(StreamingServer server, String apiKey, int events, Duration deadline) {
        String body = String.format(Locale.ROOT, "{\"duration_seconds\": %.3f, \"fps\": 1000, \"preprocess\": true}",
                events / 1000.0);
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/infer/stream"))
                .header("X-API-Key", apiKey).header("Content-Type", "application/json").timeout(deadline)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        try {
            HttpResponse<java.util.stream.Stream<String>> response = HttpClient.newHttpClient().send(request,
                    HttpResponse.BodyHandlers.ofLines());
            try (java.util.stream.Stream<String> lines = response.body()) {
                return (int) lines.filter(l -> l.startsWith("data: ") && l.contains("\"prediction\"")).count();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 0;
        } catch (Exception e) { // a warm-up that fails leaves a colder server, never a broken one
            return 0;
        }
    }

    /** {@return a random key for one start-up's throwaway servers; it is never printed and dies with them} */
    static String newKey() {
        byte[] b = new byte[24];
        new SecureRandom().nextBytes(b);
        return "warmup_" + HexFormat.of().formatHex(b);
    }

    /**
     * {@return the throwaway server's access: only {@code apiKey}, with no session or frame-rate limit}
     *
     * @param apiKey from {@link #newKey()}
     */
    static AccessPolicy access(String apiKey) {
        return AccessPolicy.builder().apiKey(apiKey, new Tier("warmup", Tier.UNLIMITED, 0)).build();
    }

    /**
     * Waits until the JIT compiler has been idle for {@code quiet}, or {@code limit} has passed: compilations queued
     * by the warm-up otherwise finish in the background while the first clients' frames run, and on a small machine
     * they take the cores those frames need.
     *
     * @param quiet how long the compiler must have done nothing
     * @param limit the longest this may wait
     * @return true if the compiler went quiet, false if the limit passed or the JVM does not report compile time
     */
    static boolean awaitQuietCompiler(Duration quiet, Duration limit) {
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        if (jit == null || !jit.isCompilationTimeMonitoringSupported()) {
            return false;
        }
        long end = System.nanoTime() + limit.toNanos();
        long last = jit.getTotalCompilationTime();
        long quietSince = System.nanoTime();
        while (System.nanoTime() < end) {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
            long now = jit.getTotalCompilationTime();
            if (now != last) {
                last = now;
                quietSince = System.nanoTime();
            } else if (System.nanoTime() - quietSince >= quiet.toNanos()) {
                return true;
            }
        }
        return false;
    }

    private static String frameMessage(byte[] jpeg, int stateLen) {
        StringBuilder pose = new StringBuilder();
        int poseLen = Math.min(6, stateLen);
        for (int i = 0; i < poseLen; i++) {
            pose.append(i == 0 ? "" : ",").append(String.format(Locale.ROOT, "%.3f", 0.1 * (i + 1)));
        }
        StringBuilder velocity = new StringBuilder();
        for (int i = 0; i < stateLen - poseLen; i++) {
            velocity.append(i == 0 ? "" : ",").append("0.0");
        }
        return "{\"type\":\"frame\",\"image\":\"data:image/jpeg;base64," + Base64.getEncoder().encodeToString(jpeg)
                + "\",\"instruction\":\"warm up\",\"robot_state\":{\"pose\":[" + pose + "],\"velocity\":["
                + velocity + "]}}";
    }

    /** Counts replies; every reply to a frame (action or error) frees its place in the window. */
    private static final class Replies implements WebSocket.Listener {
        private final Semaphore window;
        private final AtomicInteger actions;
        private final CompletableFuture<Void> connected;
        private final StringBuilder partial = new StringBuilder();

        Replies(Semaphore window, AtomicInteger actions, CompletableFuture<Void> connected) {
            this.window = window;
            this.actions = actions;
            this.connected = connected;
        }

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                String msg = partial.toString();
                partial.setLength(0);
                if (msg.contains("\"type\":\"connected\"")) {
                    connected.complete(null);
                } else if (msg.contains("\"type\":\"action\"")) {
                    actions.incrementAndGet();
                    window.release();
                } else if (msg.contains("\"frame_id\"")) {
                    window.release();
                } else {
                    connected.completeExceptionally(new IllegalStateException(msg));
                }
            }
            ws.request(1);
            return null;
        }
    }
}
