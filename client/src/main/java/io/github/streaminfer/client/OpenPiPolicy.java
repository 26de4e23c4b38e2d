package io.github.streaminfer.client;

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
 * try (OpenPiPolicy policy = OpenPiPolicy.connect(URI.create("ws://robot-server:8000/"), apiKey, Duration.ofSeconds(5))) {
 *     OpenPiReply r = policy.infer(Map.of("observation/state", OpenPiArray.ofFloats(state),
 *             "observation/image", OpenPiArray.ofUnsignedBytes(rgb, 224, 224, 3), "prompt", "fold the towel"));
 *     float[] chunk = r.actions().toFloats(); // horizon × dim
 * }
 * }</pre>
 *
 * <p>Unlike {@link RemotePolicy} this is request and reply, nothing more: no local {@code ActionController}, no
 * reconnect. A refused observation (the server's text error) throws; the connection stays usable.
 *
 * <p><b>Note:</b> {@link #infer} from one thread at a time (each call waits for its reply); {@link #close} from any.
 *
 * @since 0.1.0
 */
public final class OpenPiPolicy implements AutoCloseable {
    private final WebSocket ws;
    private final Inbox inbox;
    private final Duration timeout;
    private final Map<String, Object> metadata;
    private volatile boolean closed;

    private OpenPiPolicy(WebSocket ws, Inbox inbox, Duration timeout, Map<String, Object> metadata) {
        this.ws = ws;
        this.inbox = inbox;
        this.timeout = timeout;
        this.metadata = metadata;
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
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout is " + timeout + "; allowed: > 0");
        }
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
            return new OpenPiPolicy(ws, inbox, timeout, OpenPiMessages.decode(bytes));
        } catch (IOException | MsgpackException | RuntimeException e) {
            ws.abort();
            throw e instanceof IOException io ? io : new IOException("unreadable metadata: " + e.getMessage(), e);
        }
    }

    /** {@return the server's metadata}: {@code action_horizon}, {@code action_dim}, the observation it expects, ... */
    public Map<String, Object> metadata() {
        return metadata;
    }

    /**
     * Sends one observation and waits for its actions.
     *
     * @param observation keys to {@link OpenPiArray}, {@code float[]} (a {@code <f4} vector), String, numbers,
     *                    booleans, byte[], or nested maps (the server joins nested keys with {@code /})
     * @return the reply
     * @throws IOException           if the server refused the observation (its text error is the message), the
     *                               reply is not msgpack, none comes within the timeout, or the connection is gone
     * @throws IllegalStateException after {@link #close}
     */
    public OpenPiReply infer(Map<String, ?> observation) throws IOException {
        if (closed) {
            throw new IllegalStateException("the policy is closed");
        }
        byte[] message = OpenPiMessages.encode(observation);
        try {
            ws.sendBinary(ByteBuffer.wrap(message), true).get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            throw new IOException("could not send the observation: " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new HttpTimeoutException("the observation was not sent within " + timeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while sending", e);
        }
        Object reply = inbox.next(timeout);
        if (reply instanceof String error) {
            throw new IOException("the server refused the observation: " + error);
        }
        Map<String, Object> m;
        try {
            m = OpenPiMessages.decode((byte[]) reply);
        } catch (MsgpackException e) {
            throw new IOException("unreadable reply: " + e.getMessage(), e);
        }
        if (!(m.get("actions") instanceof OpenPiArray actions)) {
            throw new IOException("the reply has no 'actions' array; keys: " + m.keySet());
        }
        return new OpenPiReply(actions, millis(m.get("server_timing")), millis(m.get("policy_timing")), m);
    }

    private static double millis(Object timing) {
        return timing instanceof Map<?, ?> t && t.get("infer_ms") instanceof Number n ? n.doubleValue() : Double.NaN;
    }

    /** Closes the connection (a normal closure); further calls of {@link #infer} throw. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            ws.sendClose(WebSocket.NORMAL_CLOSURE, "client closed").orTimeout(1, TimeUnit.SECONDS)
                    .whenComplete((w, e) -> ws.abort());
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
