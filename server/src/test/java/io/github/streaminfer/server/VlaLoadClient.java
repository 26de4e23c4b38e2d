package io.github.streaminfer.server;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One VLA WebSocket client of the cluster test: authenticates, sends frames when told, counts every reply, and
 * reconnects through the balancer with back-off and jitter when its connection ends. Per connection it keeps what
 * was sent and what was answered, so a frame lost without a reply is seen.
 */
final class VlaLoadClient implements WebSocket.Listener {
    private final HttpClient http;
    private final URI uri;
    private final String auth;
    private final String frame;
    private final ScheduledExecutorService timer;
    private final StringBuilder text = new StringBuilder();
    private volatile WebSocket ws;
    private volatile boolean connected;
    private volatile boolean stopped;
    private volatile CompletableFuture<WebSocket> lastSend = CompletableFuture.completedFuture(null);
    final AtomicLong sent = new AtomicLong();
    final AtomicLong actions = new AtomicLong();
    final AtomicLong errors = new AtomicLong();
    /** Frames of ended connections that never got a reply. */
    final AtomicLong unansweredAtClose = new AtomicLong();
    final AtomicInteger connects = new AtomicInteger();
    final AtomicInteger abnormalCloses = new AtomicInteger();
    final AtomicInteger goingAwayCloses = new AtomicInteger();
    final AtomicLong actionsSinceConnect = new AtomicLong();
    /** How connections ended: close codes and errors, for the test's figures. */
    final java.util.Map<String, AtomicInteger> endings = new java.util.concurrent.ConcurrentHashMap<>();
    private long sentThisConnection;
    private final AtomicLong answeredThisConnection = new AtomicLong();

    VlaLoadClient(HttpClient http, URI uri, String apiKey, String jpegDataUri, ScheduledExecutorService timer) {
        this.http = http;
        this.uri = uri;
        this.auth = "{\"type\":\"auth\",\"api_key\":\"" + apiKey + "\",\"target_fps\":10}";
        this.frame = "{\"type\":\"frame\",\"image\":\"" + jpegDataUri + "\",\"robot_state\":{\"pose\":[0.1,0.2]}}";
        this.timer = timer;
    }

    void connect() {
        if (stopped) {
            return;
        }
        http.newWebSocketBuilder().buildAsync(uri, this).whenComplete((w, e) -> {
            if (e != null) {
                retry();
            }
        });
    }

    private void retry() {
        if (!stopped) {
            timer.schedule(this::connect, 200 + ThreadLocalRandom.current().nextInt(300), TimeUnit.MILLISECONDS);
        }
    }

    @Override
    public void onOpen(WebSocket webSocket) {
        ws = webSocket;
        synchronized (this) {
            sentThisConnection = 0;
            answeredThisConnection.set(0);
        }
        actionsSinceConnect.set(0);
        connects.incrementAndGet();
        lastSend = webSocket.sendText(auth, true);
        webSocket.request(1);
    }

    /** Sends one frame if connected and the previous send has gone. */
    synchronized void tick() {
        WebSocket w = ws;
        if (!connected || stopped || w == null || !lastSend.isDone()) {
            return;
        }
        sent.incrementAndGet();
        sentThisConnection++;
        lastSend = w.sendText(frame, true);
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        text.append(data);
        if (last) {
            String m = text.toString();
            text.setLength(0);
            if (m.startsWith("{\"type\":\"connected\"")) {
                connected = true;
            } else if (m.startsWith("{\"type\":\"action\"")) {
                actions.incrementAndGet();
                actionsSinceConnect.incrementAndGet();
                answeredThisConnection.incrementAndGet();
            } else if (m.startsWith("{\"type\":\"error\"") && m.contains("\"frame_id\"")) {
                errors.incrementAndGet();
                answeredThisConnection.incrementAndGet();
            }
        }
        webSocket.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
        endings.computeIfAbsent("close " + statusCode, k -> new AtomicInteger()).incrementAndGet();
        if (statusCode == 1001) {
            goingAwayCloses.incrementAndGet();
        } else if (!stopped) {
            abnormalCloses.incrementAndGet();
        }
        ended();
        return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
        endings.computeIfAbsent("error " + error.getClass().getSimpleName(), k -> new AtomicInteger())
                .incrementAndGet();
        if (!stopped) {
            abnormalCloses.incrementAndGet();
        }
        ended();
    }

    private void ended() {
        connected = false;
        synchronized (this) {
            ws = null;
            unansweredAtClose.addAndGet(Math.max(0, sentThisConnection - answeredThisConnection.get()));
            sentThisConnection = 0;
            answeredThisConnection.set(0);
        }
        retry();
    }

    /** {@return frames of the current connection not answered yet} */
    synchronized long owed() {
        return sentThisConnection - answeredThisConnection.get();
    }

    boolean isConnected() {
        return connected;
    }

    void stop() {
        stopped = true;
        WebSocket w = ws;
        if (w != null) {
            w.abort();
        }
    }
}
