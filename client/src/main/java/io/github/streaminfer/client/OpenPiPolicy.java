package io.github.streaminfer.client;

import io.github.streaminfer.action.ActionController;
import io.github.streaminfer.msgpack.MsgpackException;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpTimeoutException;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A client of openpi's policy-server protocol (a StreamInfer server's openpi endpoint, or openpi's own
 * {@code serve_policy.py}): the server's metadata first, then one msgpack observation map per call and its action map
 * back, as openpi's Python {@code WebsocketClientPolicy} does. Arrays travel in openpi's numpy convention
 * ({@link OpenPiArray}); the codec is StreamInfer's own msgpack.
 *
 * <pre>{@code
 * try (OpenPiPolicy policy = OpenPiPolicy.connect(URI.create("ws://robot-server:8000/"), apiKey, Duration.ofSeconds(5));
 *      ActionController arm = ActionController.builder(config).build()) {
 *     ControlLoop loop = arm.startLoop(robot::command);       // next to the motors, at the control rate
 *     while (running) {
 *         try {
 *             policy.infer(observation(), arm, captureNanos); // the chunk goes to the controller
 *         } catch (IOException e) {
 *             // nothing fresh: the controller's watchdog brakes once the last chunk is stale
 *         }
 *     }
 * }
 * }</pre>
 *
 * <p><b>Safety.</b> {@link #infer(Map, ActionController, long)} hands each action chunk to a local
 * {@link ActionController} with its observation's capture time. When the server or the network stalls, no chunk
 * arrives, the last one ages past the controller's {@code staleAfter}, and its watchdog brakes to a hold; the arm
 * never runs on a chunk older than that.
 *
 * <p><b>Connection.</b> When the connection breaks (the server restarts, the network drops) or a reply does not come
 * within the timeout, the call in progress throws and the connection is dropped: a reply that comes late would
 * otherwise be taken for the next observation's. The next call connects again, no sooner than a delay that grows from
 * 100 ms to 5 s with jitter while attempts fail (a call before then throws at once, saying when), and reads the
 * metadata again. A refused observation (the server's text error) throws; the connection stays usable.
 * {@link #stats()} counts what was lost.
 *
 * <p><b>Note:</b> {@link #infer} from one thread at a time (each call waits for its reply); {@link #close} and
 * {@link #stats} from any.
 *
 * @since 0.1.0
 */
public final class OpenPiPolicy implements AutoCloseable {
    private static final Duration RECONNECT_INITIAL = Duration.ofMillis(100);
    private static final Duration RECONNECT_MAX = Duration.ofSeconds(5);

    /**
     * An openpi policy's counters since it was created, across reconnects. Every {@code infer} call ends in exactly
     * one of {@code replies}, {@code refusedByServer}, {@code lost} or {@code notConnected}.
     *
     * @param calls           {@code infer} calls
     * @param replies         action replies received
     * @param refusedByServer observations the server refused with a text error
     * @param lost            observations sent whose connection broke, or whose reply did not come in time
     * @param notConnected    calls made while no connection could be had (the attempt failed or was not yet due)
     * @param connects        successful connections (the first included)
     * @param connectFailures failed attempts to connect again
     * @param lastError       why the last connection or attempt ended, or null
     */
    public record Stats(long calls, long replies, long refusedByServer, long lost, long notConnected, long connects,
                        long connectFailures, String lastError) {
    }

    private record Connection(WebSocket ws, Inbox inbox, Map<String, Object> metadata) {
    }

    private final URI endpoint;
    private final String apiKey;
    private final Duration connectTimeout;
    private final Duration timeout;
    private final Backoff backoff = new Backoff(RECONNECT_INITIAL, RECONNECT_MAX, System.nanoTime());
    private volatile Connection current;
    private volatile Map<String, Object> metadata;
    private volatile boolean closed;
    private long retryAtNanos;
    private long frames;
    // counters: written by the calling thread, read by stats() from any
    private volatile long calls;
    private volatile long replies;
    private volatile long refusedByServer;
    private volatile long lost;
    private volatile long notConnected;
    private volatile long connects;
    private volatile long connectFailures;
    private volatile String lastError;

    private OpenPiPolicy(URI endpoint, String apiKey, Duration connectTimeout, Duration timeout, Connection first) {
        this.endpoint = endpoint;
        this.apiKey = apiKey;
        this.connectTimeout = connectTimeout;
        this.timeout = timeout;
        this.current = first;
        this.metadata = first.metadata();
        this.connects = 1;
    }

    /**
     * Connects and waits for the server's metadata.
     *
     * @param endpoint the server's WebSocket, e.g. {@code ws://host:8000/}
     * @param apiKey   sent as {@code Authorization: Api-Key <key>}, or null for a server without keys
     * @param timeout  for the connection, the metadata and each reply
     * @return the connected policy
     * @throws IOException if the connection is refused (a wrong key: 401) or the metadata does not come in time
     */
    public static OpenPiPolicy connect(URI endpoint, String apiKey, Duration timeout) throws IOException {
        return connect(endpoint, apiKey, timeout, timeout);
    }

    /**
     * Connects and waits for the server's metadata, with a reply timeout of its own: a controller that needs a chunk
     * within its step budget gives up on a reply much sooner than on a connection.
     *
     * @param endpoint       the server's WebSocket, e.g. {@code ws://host:8000/}
     * @param apiKey         sent as {@code Authorization: Api-Key <key>}, or null for a server without keys
     * @param connectTimeout for each connection and its metadata
     * @param replyTimeout   for each observation's reply (and its sending)
     * @return the connected policy
     * @throws IOException if the connection is refused (a wrong key: 401) or the metadata does not come in time
     */
    public static OpenPiPolicy connect(URI endpoint, String apiKey, Duration connectTimeout, Duration replyTimeout)
            throws IOException {
        for (Duration d : new Duration[]{connectTimeout, replyTimeout}) {
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("timeout is " + d + "; allowed: > 0");
            }
        }
        return new OpenPiPolicy(endpoint, apiKey, connectTimeout, replyTimeout,
                open(endpoint, apiKey, connectTimeout));
    }

    private static Connection open(URI endpoint, String apiKey, Duration timeout) throws IOException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(timeout).build();
        WebSocket.Builder b = http.newWebSocketBuilder().connectTimeout(timeout);
        if (apiKey != null) {
            b.header("Authorization", "Api-Key " + apiKey);
        }
        Inbox inbox = new Inbox();
        WebSocket ws;
        try {
            ws = b.buildAsync(endpoint, inbox).get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            throw new IOException("could not connect to " + endpoint + ": " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new HttpTimeoutException("no connection to " + endpoint + " within " + timeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while connecting", e);
        }
        try {
            Object first = inbox.next(timeout);
            if (!(first instanceof byte[] bytes)) {
                throw new IOException("the server's first message is not the metadata: " + first);
            }
            return new Connection(ws, inbox, OpenPiMessages.decode(bytes));
        } catch (IOException | MsgpackException | RuntimeException e) {
            ws.abort();
            throw e instanceof IOException io ? io : new IOException("unreadable metadata: " + e.getMessage(), e);
        }
    }

    /** {@return the server's metadata}: {@code action_horizon}, {@code action_dim}, ... (as of the last connection) */
    public Map<String, Object> metadata() {
        return metadata;
    }

    /** {@return the counters now} */
    public Stats stats() {
        return new Stats(calls, replies, refusedByServer, lost, notConnected, connects, connectFailures, lastError);
    }

    /**
     * Sends one observation, waits for its actions and hands them to {@code controller} as one chunk (row-major,
     * horizon × dim) with the observation's capture time, so that the controller's age checks span the camera, the
     * network both ways and the server.
     *
     * @param observation  as for {@link #infer(Map)}
     * @param controller   the local controller next to the motors
     * @param captureNanos when the observation was captured, on the controller's clock
     * @return the reply; the controller's verdict on the chunk is in its own stats
     * @throws IOException as for {@link #infer(Map)}: nothing reached the controller
     */
    public OpenPiReply infer(Map<String, ?> observation, ActionController controller, long captureNanos)
            throws IOException {
        OpenPiReply r = infer(observation);
        controller.offer(r.actions().toFloats(), ++frames, captureNanos);
        return r;
    }

    /**
     * Sends one observation and waits for its actions.
     *
     * @param observation keys to {@link OpenPiArray}, {@code float[]} (a {@code <f4} vector), String, numbers,
     *                    booleans, byte[], or nested maps (the server joins nested keys with {@code /})
     * @return the reply
     * @throws IOException           if the server refused the observation (its text error is the message), the
     *                               reply is not msgpack, none comes within the timeout, the connection is gone, or
     *                               no connection could be had (the message says when the next attempt is due)
     * @throws IllegalStateException after {@link #close}
     */
    public OpenPiReply infer(Map<String, ?> observation) throws IOException {
        if (closed) {
            throw new IllegalStateException("the policy is closed");
        }
        calls++;
        byte[] message = OpenPiMessages.encode(observation);
        Connection c = connection();
        Object reply;
        try {
            c.ws().sendBinary(ByteBuffer.wrap(message), true).get(timeout.toNanos(), TimeUnit.NANOSECONDS);
            reply = c.inbox().next(timeout);
        } catch (ExecutionException e) {
            throw drop(c, new IOException("could not send the observation: " + e.getCause().getMessage(),
                    e.getCause()));
        } catch (TimeoutException e) {
            throw drop(c, new HttpTimeoutException("the observation was not sent within " + timeout));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw drop(c, new IOException("interrupted while sending", e));
        } catch (IOException e) {
            throw drop(c, e); // closed, broken, or no reply in time: a late reply must not answer the next call
        }
        if (reply instanceof String error) {
            refusedByServer++;
            throw new IOException("the server refused the observation: " + error);
        }
        Map<String, Object> m;
        try {
            m = OpenPiMessages.decode((byte[]) reply);
        } catch (MsgpackException e) {
            refusedByServer++;
            throw new IOException("unreadable reply: " + e.getMessage(), e);
        }
        if (!(m.get("actions") instanceof OpenPiArray actions)) {
            refusedByServer++;
            throw new IOException("the reply has no 'actions' array; keys: " + m.keySet());
        }
        replies++;
        return new OpenPiReply(actions, millis(m.get("server_timing")), millis(m.get("policy_timing")), m);
    }

    /** {@return the connection, opened again if it was dropped and the next attempt is due} */
    private Connection connection() throws IOException {
        Connection c = current;
        if (c != null) {
            return c;
        }
        long now = System.nanoTime();
        if (now - retryAtNanos < 0) {
            notConnected++;
            throw new IOException("not connected to " + endpoint + " (" + lastError + "); next attempt in "
                    + Math.max(1, (retryAtNanos - now) / 1_000_000) + " ms");
        }
        try {
            c = open(endpoint, apiKey, connectTimeout);
        } catch (IOException e) {
            notConnected++;
            connectFailures++;
            lastError = e.getMessage();
            retryAtNanos = System.nanoTime() + backoff.nextDelayNanos();
            throw e;
        }
        backoff.reset();
        connects++;
        metadata = c.metadata();
        if (closed) { // closed while connecting
            c.ws().abort();
            throw new IllegalStateException("the policy is closed");
        }
        current = c;
        return c;
    }

    /** Drops a connection that failed a call; the next call connects again after the first back-off delay. */
    private IOException drop(Connection c, IOException why) {
        lost++;
        lastError = why.getMessage();
        c.ws().abort();
        current = null;
        retryAtNanos = System.nanoTime() + backoff.nextDelayNanos();
        return why;
    }

    private static double millis(Object timing) {
        return timing instanceof Map<?, ?> t && t.get("infer_ms") instanceof Number n ? n.doubleValue() : Double.NaN;
    }

    /** Closes the connection (a normal closure); further calls of {@link #infer} throw. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            Connection c = current;
            if (c != null) {
                c.ws().sendClose(WebSocket.NORMAL_CLOSURE, "client closed").orTimeout(1, TimeUnit.SECONDS)
                        .whenComplete((w, e) -> c.ws().abort());
            }
        }
    }

    /** The connection's whole messages, in order: byte[] for binary, String for text, IOException when it ends. */
    private static final class Inbox implements WebSocket.Listener {
        private final BlockingQueue<Object> messages = new LinkedBlockingQueue<>();
        private final ByteArrayOutputStream binary = new ByteArrayOutputStream();
        private final StringBuilder text = new StringBuilder();

        Object next(Duration timeout) throws IOException {
            Object m;
            try {
                m = messages.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for the server", e);
            }
            if (m == null) {
                throw new HttpTimeoutException("no message from the server within " + timeout);
            }
            if (m instanceof IOException e) {
                messages.add(e); // every later call learns the same
                throw new IOException(e.getMessage(), e);
            }
            return m;
        }

        @Override
        public void onOpen(WebSocket webSocket) {
            webSocket.request(1);
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                messages.add(text.toString());
                text.setLength(0);
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
            byte[] chunk = new byte[data.remaining()];
            data.get(chunk);
            binary.writeBytes(chunk);
            if (last) {
                messages.add(binary.toByteArray());
                binary.reset();
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            messages.add(new IOException("closed by the server: " + statusCode + (reason.isEmpty() ? "" : " " + reason)));
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            messages.add(new IOException("connection error: " + error.getMessage(), error));
        }
    }
}
