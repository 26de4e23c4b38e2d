package io.github.streaminfer.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.streaminfer.action.ActionController;
import io.github.streaminfer.session.SubmitStatus;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * A policy that runs on a StreamInfer server: observations go to the server's VLA WebSocket, and the actions that
 * come back go to the listeners, the latest-value mailbox and, when one is given, a local {@link ActionController}.
 * The controller, next to the motors, keeps the safety chain: when the network stalls, no fresh action arrives, the
 * last one ages past the controller's {@code staleAfter}, and its watchdog brakes to a hold; when actions come back,
 * the arm follows them again.
 *
 * <p>The client is the JDK's {@link HttpClient} WebSocket: no dependency beyond the JDK and Jackson on a controller
 * JVM, TLS ({@code wss://}) through the JDK's own stack, and its message-at-a-time flow control is all one robot's
 * stream needs.
 *
 * <p><b>Connection.</b> {@link #connect} returns at once and connects in the background: handshake, {@code auth},
 * then the server's {@code connected}. When the connection breaks (the server restarts, the network drops), frames
 * already sent are counted lost and the policy reconnects after a delay that grows from
 * {@link RemotePolicyConfig#reconnectInitial()} to {@link RemotePolicyConfig#reconnectMax()}, with jitter,
 * authenticating again each time. A refused key (close 4401), a full tier (4403) or an {@code auth} the server
 * rejects ends in {@link State#FAILED}: retrying would not help.
 *
 * <p><b>Flow.</b> At most {@link RemotePolicyConfig#maxInFlight()} frames are sent and unanswered; a submit beyond
 * that waits as the one pending frame, and a newer submit replaces it ({@link SubmitStatus#REPLACED_OLDEST}), so the
 * server always gets the freshest observation. While no connection is up, {@code submit} returns
 * {@link SubmitStatus#CLOSED} and counts the frame as refused.
 *
 * <p><b>Time.</b> Each action carries its observation's capture time, so the controller's age check spans the
 * camera, the network both ways and the server. The server's clock is estimated from its replies
 * ({@link RemoteStats#clockOffsetMs()}), for logs that compare its timestamps with ours.
 *
 * <p><b>Note:</b> thread-safe. Listeners run on the client's delivery threads, one action at a time; keep them
 * short. The controller's {@code offer} is called under the policy's lock, so it has one producer at a time.
 *
 * @since 0.1.0
 */
public final class RemotePolicy implements AutoCloseable {
    /** The connection's state. */
    public enum State {
        /** Connecting or reconnecting. */
        CONNECTING,
        /** Authenticated: frames go out. */
        CONNECTED,
        /** Refused for good (key, tier or {@code auth}); see {@link RemoteStats#lastError()}. */
        FAILED,
        /** Closed by {@link #close()}. */
        CLOSED
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int RTT_WINDOW = 1024;

    private final RemotePolicyConfig config;
    private final ActionController controller;
    private final List<Consumer<RemoteAction>> listeners = new CopyOnWriteArrayList<>();
    private final AtomicReference<RemoteAction> latest = new AtomicReference<>();
    private final HttpClient http;
    private final ScheduledExecutorService scheduler;
    private final Backoff backoff;
    private final ClockOffset clock = new ClockOffset();

    // guarded by this
    private State state = State.CONNECTING;
    private Connection current;
    private boolean sending;
    private Observation pending;
    private long pendingFrame;
    private final Map<Long, Sent> inFlight = new HashMap<>();
    private final Map<String, Long> errorsByCode = new TreeMap<>();
    private final long[] roundTrips = new long[RTT_WINDOW];
    private long submitted;
    private long sent;
    private long actions;
    private long errors;
    private long lostInFlight;
    private long replaced;
    private long refused;
    private long connects;
    private long disconnects;
    private String lastError;

    private record Sent(long sentNanos, long sentEpochMillis, long captureNanos) {
    }

    private RemotePolicy(RemotePolicyConfig config, ActionController controller) {
        this.config = Objects.requireNonNull(config, "config");
        this.controller = controller;
        this.http = HttpClient.newBuilder().connectTimeout(config.connectTimeout()).build();
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "streaminfer-client");
            t.setDaemon(true);
            return t;
        });
        this.backoff = new Backoff(config.reconnectInitial(), config.reconnectMax(), System.nanoTime());
    }

    /**
     * Starts connecting in the background and returns at once.
     *
     * @param config     the server and the settings
     * @param controller the local controller that receives every action, or null for none
     * @return the policy; see {@link #awaitConnected(Duration)}
     */
    public static RemotePolicy connect(RemotePolicyConfig config, ActionController controller) {
        RemotePolicy p = new RemotePolicy(config, controller);
        p.scheduler.execute(p::open);
        return p;
    }

    /**
     * Adds a listener for every action received.
     *
     * @param listener called on a delivery thread, once per action
     * @return this
     */
    public RemotePolicy onAction(Consumer<RemoteAction> listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
        return this;
    }

    /**
     * Sends an observation to the server, or keeps it as the pending frame while {@code maxInFlight} frames await
     * their replies.
     *
     * @param observation the observation
     * @return {@code ACCEPTED}; {@code REPLACED_OLDEST} if it replaced a pending frame; {@code CLOSED} if no
     *         connection is up (reconnecting, failed or closed)
     */
    public SubmitStatus submit(Observation observation) {
        Objects.requireNonNull(observation, "observation");
        synchronized (this) {
            long frame = ++submitted;
            if (state != State.CONNECTED) {
                refused++;
                return SubmitStatus.CLOSED;
            }
            SubmitStatus status = SubmitStatus.ACCEPTED;
            if (pending != null) {
                replaced++;
                status = SubmitStatus.REPLACED_OLDEST;
            }
            pending = observation;
            pendingFrame = frame;
            pump();
            return status;
        }
    }

    /** {@return the newest action received, or null before the first} */
    public RemoteAction latest() {
        return latest.get();
    }

    /** {@return the connection's state now} */
    public synchronized State state() {
        return state;
    }

    /**
     * Waits until the policy is connected, has failed or is closed.
     *
     * @param timeout the longest to wait
     * @return true if connected
     * @throws InterruptedException if interrupted while waiting
     */
    public synchronized boolean awaitConnected(Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (state == State.CONNECTING) {
            long left = end - System.nanoTime();
            if (left <= 0) {
                break;
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        return state == State.CONNECTED;
    }

    /** {@return the counters, across reconnects} */
    public synchronized RemoteStats stats() {
        int n = (int) Math.min(actions, RTT_WINDOW);
        long[] rtt = Arrays.copyOf(roundTrips, n);
        Arrays.sort(rtt);
        return new RemoteStats(state, connects, disconnects, submitted, sent, actions, errors,
                Map.copyOf(errorsByCode), lostInFlight, replaced, refused, inFlight.size(),
                n == 0 ? Double.NaN : rtt[(n - 1) / 2] / 1e6, n == 0 ? Double.NaN : rtt[(int) ((n - 1) * 0.99)] / 1e6,
                clock.offsetMillis(), clock.uncertaintyMillis(), lastError);
    }

    /** Closes the connection (with {@code close}, so the server sends its final stats) and stops reconnecting. */
    @Override
    public void close() {
        Connection c;
        synchronized (this) {
            if (state == State.CLOSED) {
                return;
            }
            state = State.CLOSED;
            c = current;
            current = null;
            notifyAll();
        }
        scheduler.shutdownNow();
        if (c != null && c.ws != null) {
            c.ws.sendClose(WebSocket.NORMAL_CLOSURE, "client closed").orTimeout(1, TimeUnit.SECONDS);
        }
    }

    // ------------------------------------------------------------------------------------------------ connection

    private void open() {
        Connection c = new Connection();
        synchronized (this) {
            if (state != State.CONNECTING) {
                return;
            }
            current = c;
        }
        http.newWebSocketBuilder().connectTimeout(config.connectTimeout())
                .buildAsync(config.endpoint(), c)
                .whenComplete((ws, err) -> {
                    if (err != null) {
                        lost(c, "cannot connect to " + config.endpoint() + ": " + rootMessage(err), false);
                        return;
                    }
                    ws.sendText(FrameMessages.auth(config), true);
                    try {
                        scheduler.schedule(() -> {
                            if (!c.authenticated) {
                                lost(c, "no 'connected' reply within " + config.connectTimeout(), false);
                                ws.abort();
                            }
                        }, config.connectTimeout().toNanos(), TimeUnit.NANOSECONDS);
                    } catch (RejectedExecutionException e) {
                        ws.abort(); // closed meanwhile
                    }
                });
    }

    /** The connection broke, could not be made, or was refused; every path ends here once per connection. */
    private void lost(Connection c, String reason, boolean fatal) {
        synchronized (this) {
            if (c != current) {
                return; // an older connection's late callback
            }
            current = null;
            sending = false;
            lostInFlight += inFlight.size();
            inFlight.clear();
            if (pending != null) {
                refused++;
                pending = null;
            }
            lastError = reason;
            if (c.authenticated) {
                disconnects++;
            }
            if (state != State.CONNECTED && state != State.CONNECTING) {
                return; // closed or failed already
            }
            if (fatal) {
                state = State.FAILED;
                notifyAll();
                return;
            }
            state = State.CONNECTING;
            try {
                scheduler.schedule(this::open, backoff.nextDelayNanos(), TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException e) {
                // closing: nothing to reconnect
            }
        }
    }

    /** Sends the pending frame if a send slot is free. Caller holds the lock. */
    private void pump() {
        Connection c = current;
        while (!sending && pending != null && state == State.CONNECTED && c != null
                && inFlight.size() < config.maxInFlight()) {
            Observation o = pending;
            long frame = pendingFrame;
            pending = null;
            sending = true;
            sent++;
            inFlight.put(frame, new Sent(System.nanoTime(), System.currentTimeMillis(), o.captureNanos()));
            CompletionStage<WebSocket> done = config.binaryFrames()
                    ? c.ws.sendText(FrameMessages.metadata(o, frame), true)
                            .thenCompose(w -> w.sendBinary(ByteBuffer.wrap(o.image()), true))
                    : c.ws.sendText(FrameMessages.textFrame(o, frame), true);
            done.whenComplete((w, err) -> {
                synchronized (this) {
                    if (c == current) {
                        sending = false;
                        if (err == null) {
                            pump();
                        }
                    }
                }
                if (err != null) {
                    lost(c, "send failed: " + rootMessage(err), false);
                }
            });
        }
    }

    // ------------------------------------------------------------------------------------------------ replies

    private void onMessage(Connection c, String text) {
        JsonNode msg;
        try {
            msg = JSON.readTree(text);
        } catch (IOException e) {
            lost(c, "the server sent a message that is not JSON", false);
            c.ws.abort();
            return;
        }
        String type = msg.path("type").asText("");
        switch (type) {
            case "connected" -> connected(c);
            case "action" -> action(c, msg, System.nanoTime(), System.currentTimeMillis());
            case "error" -> error(c, msg);
            default -> { } // stats and extensions
        }
    }

    private synchronized void connected(Connection c) {
        if (c != current || state != State.CONNECTING) {
            return;
        }
        c.authenticated = true;
        state = State.CONNECTED;
        connects++;
        backoff.reset();
        notifyAll();
        pump();
    }

    private void action(Connection c, JsonNode msg, long now, long nowEpochMillis) {
        long frame = msg.path("frame_id").asLong(-1);
        JsonNode values = msg.path("action");
        float[] a = new float[values.size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) values.get(i).asDouble();
        }
        RemoteAction action;
        synchronized (this) {
            Sent s = c == current ? inFlight.remove(frame) : null;
            if (s == null) {
                return; // not ours, or from a connection already given up
            }
            actions++;
            long rtt = now - s.sentNanos;
            roundTrips[(int) ((actions - 1) % RTT_WINDOW)] = rtt;
            if (msg.has("timestamp")) {
                clock.add(s.sentEpochMillis, msg.get("timestamp").asDouble() * 1000, nowEpochMillis);
            }
            action = new RemoteAction(frame, a, msg.path("safety_score").asDouble(1),
                    msg.path("executable").asBoolean(true), msg.path("latency_ms").asDouble(Double.NaN), rtt,
                    s.captureNanos, now);
            latest.set(action);
            if (controller != null && !controller.isClosed()) {
                controller.offer(a, frame, s.captureNanos);
            }
            pump();
        }
        for (Consumer<RemoteAction> l : listeners) {
            l.accept(action);
        }
    }

    private void error(Connection c, JsonNode msg) {
        String code = msg.path("code").asText("error");
        String message = msg.path("message").asText("");
        synchronized (this) {
            if (c != current) {
                return;
            }
            if (msg.has("frame_id")) {
                if (inFlight.remove(msg.get("frame_id").asLong(-1)) != null) {
                    errors++;
                    errorsByCode.merge(code, 1L, Long::sum);
                    pump();
                }
                return;
            }
            if (c.authenticated) {
                lastError = code + ": " + message;
                return;
            }
        }
        // the server refused our auth: settings it will never accept, so retrying cannot help
        lost(c, "the server refused auth: " + code + ": " + message, true);
        c.ws.abort();
    }

    private static String rootMessage(Throwable t) {
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }

    /** One WebSocket connection's callbacks; replaced by a new one on every reconnect. */
    private final class Connection implements WebSocket.Listener {
        volatile WebSocket ws;
        volatile boolean authenticated;
        private final StringBuilder text = new StringBuilder();

        @Override
        public void onOpen(WebSocket webSocket) {
            ws = webSocket;
            webSocket.request(1);
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                String msg = text.toString();
                text.setLength(0);
                onMessage(this, msg);
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            boolean fatal = statusCode == 4401 || statusCode == 4403;
            lost(this, "closed by the server: " + statusCode + (reason.isEmpty() ? "" : " " + reason), fatal);
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            lost(this, "connection error: " + rootMessage(error), false);
        }
    }
}
