package io.github.streaminfer.server;

import com.fasterxml.jackson.databind.ObjectMapper;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * One detection REST + SSE client of the cluster test, entirely through the balancer: creates a session, follows
 * the redirect of its event stream to the owning instance, uploads frames (each upload may land on any instance and
 * is redirected to the owner), and counts the results that come back. When its session is gone (its instance
 * died), it creates a new one through the balancer.
 *
 * <p>Event streams are read through an {@link HttpClient} of their own, with no request timeout. Sharing one JDK
 * client with the timed (and mostly redirected) uploads, event streams on healthy instances were closed by the client
 * itself ({@code IOException: connection closed locally}), and none was once the uploads had no timeout: an upload's
 * timer fires, it appears, after its connection went back to the pool, under the exchange that reused it. Uploads
 * keep their 10 s timeout on the other client.
 */
final class RestSseLoadClient {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http;
    private final HttpClient streams;
    private final String lb;
    private final String apiKey;
    private final byte[] jpeg;
    private volatile String sessionId;
    private volatile Thread reader;
    private volatile boolean streamOpen;
    private volatile boolean stopped;
    final AtomicLong accepted = new AtomicLong();
    final AtomicLong results = new AtomicLong();
    /** Uploads answered with a status other than 202. */
    final AtomicLong refused = new AtomicLong();
    /** Uploads that got no answer at all (the connection failed first); the client knows, and may send again. */
    final AtomicLong transportFailures = new AtomicLong();
    /** Session creations that failed (retried on the next tick). */
    final AtomicLong openFailures = new AtomicLong();
    final AtomicInteger sessions = new AtomicInteger();
    final AtomicInteger streamsEnded = new AtomicInteger();
    /** Accepted uploads of sessions whose stream ended before their result came. */
    final AtomicLong acceptedOfEndedSessions = new AtomicLong();
    final AtomicLong resultsOfEndedSessions = new AtomicLong();
    private final AtomicLong acceptedThisSession = new AtomicLong();
    private final AtomicLong resultsThisSession = new AtomicLong();
    private long frame;
    /** A tick in progress: ticks come from a pool, and a client does one thing at a time. */
    private final java.util.concurrent.atomic.AtomicBoolean ticking = new java.util.concurrent.atomic.AtomicBoolean();
    /** What the last refused upload got, for the test's message. */
    volatile String lastRefusal = "";
    /** Why session creations failed, by status or exception, for the test's figures. */
    final java.util.Map<String, AtomicInteger> openFailureCauses = new java.util.concurrent.ConcurrentHashMap<>();
    /** How each event stream ended, for the test's message. */
    final java.util.List<String> streamEnds = new java.util.concurrent.CopyOnWriteArrayList<>();

    RestSseLoadClient(HttpClient http, HttpClient streams, String lb, String apiKey, byte[] jpeg) {
        this.http = http;
        this.streams = streams;
        this.lb = lb;
        this.apiKey = apiKey;
        this.jpeg = jpeg;
    }

    /** Creates a session through the balancer and opens its event stream; blocking. */
    void open() throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://" + lb + "/stream/sessions"))
                .header("X-API-Key", apiKey).header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(10))
                .POST(HttpRequest.BodyPublishers.ofString("{\"fps_limit\":10}")).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 201) {
            throw new IllegalStateException("POST /stream/sessions: " + r.statusCode() + " " + r.body());
        }
        String id = JSON.readTree(r.body()).get("session_id").asText();
        acceptedThisSession.set(0);
        resultsThisSession.set(0);
        long openedAt = System.nanoTime();
        HttpResponse<Stream<String>> events = streams.send(HttpRequest.newBuilder(
                URI.create("http://" + lb + "/stream/events/" + id)).header("X-API-Key", apiKey).GET().build(),
                HttpResponse.BodyHandlers.ofLines());
        if (events.statusCode() != 200) {
            throw new IllegalStateException("GET /stream/events: " + events.statusCode());
        }
        sessionId = id;
        sessions.incrementAndGet();
        streamOpen = true;
        Thread t = new Thread(() -> {
            String end = "ended";
            try (Stream<String> lines = events.body()) {
                java.util.Iterator<String> it = lines.iterator();
                while (it.hasNext()) {
                    String l = it.next();
                    if (l.startsWith("data: {\"type\":\"detection_result\"")) {
                        results.incrementAndGet();
                        resultsThisSession.incrementAndGet();
                    } else if (l.startsWith("data: {\"type\":\"closed\"")) {
                        end = l;
                    }
                }
            } catch (RuntimeException e) {
                StringBuilder why = new StringBuilder(e.toString()); // the stream broke: the instance died
                for (Throwable c = e.getCause(); c != null; c = c.getCause()) {
                    why.append(" <- ").append(c);
                }
                end = why.toString();
            }
            streamEnds.add(events.uri() + " at " + System.nanoTime() / 1_000_000 + " after " + (System.nanoTime() - openedAt) / 1_000_000 + " ms: " + end);
            streamOpen = false;
            if (!stopped) {
                streamsEnded.incrementAndGet();
                acceptedOfEndedSessions.addAndGet(acceptedThisSession.get());
                resultsOfEndedSessions.addAndGet(resultsThisSession.get());
            }
        }, "sse-" + id);
        t.setDaemon(true);
        reader = t;
        t.start();
    }

    /** Uploads one frame through the balancer; re-creates the session when it is gone. Blocking. */
    void tick() {
        if (stopped || !ticking.compareAndSet(false, true)) {
            return; // stopped, or the last tick is still busy (opening a session takes longer than a period)
        }
        try {
            tickAlone();
        } finally {
            ticking.set(false);
        }
    }

    private void tickAlone() {
        try {
            if (!streamOpen) {
                try {
                    open();
                } catch (Exception e) {
                    openFailures.incrementAndGet();
                    openFailureCauses.computeIfAbsent(e.getMessage() == null ? e.getClass().getSimpleName()
                            : e.getMessage().lines().findFirst().orElse("").replaceAll("[0-9a-f-]{36}", "ID"),
                            k -> new AtomicInteger()).incrementAndGet();
                }
                return;
            }
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://" + lb + "/stream/process/"
                    + sessionId + "?frame_id=f" + (++frame))).header("X-API-Key", apiKey)
                    .header("Content-Type", "image/jpeg").timeout(Duration.ofSeconds(10))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(jpeg)).build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() == 202) {
                accepted.incrementAndGet();
                acceptedThisSession.incrementAndGet();
            } else {
                refused.incrementAndGet();
                lastRefusal = r.statusCode() + " " + r.uri() + " " + r.body();
            }
        } catch (Exception e) {
            transportFailures.incrementAndGet();
            lastRefusal = e.toString();
        }
    }

    String sessionId() {
        return sessionId;
    }

    boolean streamOpen() {
        return streamOpen;
    }

    void stop() {
        stopped = true;
        Thread t = reader;
        if (t != null) {
            t.interrupt();
        }
    }
}
