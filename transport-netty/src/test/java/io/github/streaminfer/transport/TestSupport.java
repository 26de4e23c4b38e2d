package io.github.streaminfer.transport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.streaminfer.backend.ModelSignature;
import io.github.streaminfer.exceptions.InvalidInputException;
import io.github.streaminfer.session.IngressPolicy;
import io.github.streaminfer.session.ResultListener;
import io.github.streaminfer.session.SessionConfig;
import io.github.streaminfer.session.StreamingInferenceSession;
import io.github.streaminfer.task.FloatArrayTask;
import io.github.streaminfer.task.FloatVector;
import io.github.streaminfer.task.InferenceTask;
import io.github.streaminfer.tensor.DType;
import io.github.streaminfer.tensor.Tensor;
import io.github.streaminfer.testkit.ScriptedModel;
import io.github.streaminfer.transport.detection.DetectionEncoder;
import io.github.streaminfer.transport.detection.DetectionEndpoint;
import io.github.streaminfer.transport.detection.DetectionImage;
import io.github.streaminfer.transport.openpi.OpenPiEndpoint;
import io.github.streaminfer.transport.openpi.OpenPiObservation;
import io.github.streaminfer.transport.signal.ClassificationEncoder;
import io.github.streaminfer.transport.signal.SignalEndpoint;
import io.github.streaminfer.transport.vla.VlaEndpoint;
import io.github.streaminfer.transport.vla.VlaFrame;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** Models, tasks, images, a WebSocket client and a fully mounted test server, all on loopback. */
final class TestSupport {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String KEY_PRO = "pro_key_0123456789";
    static final String KEY_FREE = "free_key_0123456789";
    static final String KEY_ENT = "ent_key_0123456789";

    private TestSupport() {
    }

    // ------------------------------------------------------------------------------------------------ models, tasks

    /** state [1,13] (12 state values + the image's mean grey level) -> action [1,7]: a_i = 2 s_i + 1, a_6 = mean. */
    static ScriptedModel vlaModel(long latencyNanos) {
        return ScriptedModel.builder().name("test-policy").input("state", DType.FLOAT32, 1, 13)
                .output("action", DType.FLOAT32, 1, 7).latencyNanos(latencyNanos)
                .script((in, out) -> {
                    for (int i = 0; i < 6; i++) {
                        out[0].putFloat(i, 2 * in[0].getFloat(i) + 1);
                    }
                    out[0].putFloat(6, in[0].getFloat(12));
                }).build();
    }

    /** Decodes the image for real (ImageIO) and feeds the state plus the image's mean grey level. */
    static final class VlaTestTask implements InferenceTask<VlaFrame, FloatVector> {
        /** Set if a frame was ever preprocessed on a Netty event loop thread (it must never be). */
        static volatile boolean ranOnEventLoop;
        /** Frames preprocessed. */
        static final java.util.concurrent.atomic.AtomicLong FRAMES = new java.util.concurrent.atomic.AtomicLong();

        @Override
        public void bind(ModelSignature model) {
        }

        @Override
        public FloatVector newOutput() {
            return new FloatVector(7);
        }

        @Override
        public void preprocess(VlaFrame f, Tensor[] inputs) {
            FRAMES.incrementAndGet();
            if (Thread.currentThread() instanceof io.netty.util.concurrent.FastThreadLocalThread) {
                ranOnEventLoop = true;
            }
            float[] s = f.state();
            if (s.length > 12) {
                throw new InvalidInputException("robot_state has " + s.length + " values; the model takes at most 12");
            }
            BufferedImage img;
            try {
                ByteBuffer b = f.image();
                byte[] bytes = new byte[b.remaining()];
                b.get(bytes);
                img = ImageIO.read(new ByteArrayInputStream(bytes));
            } catch (IOException | RuntimeException e) {
                throw new InvalidInputException("corrupt image: " + e.getMessage());
            }
            if (img == null) {
                throw new InvalidInputException("corrupt image: no decoder accepted it");
            }
            double sum = 0;
            for (int y = 0; y < img.getHeight(); y++) {
                for (int x = 0; x < img.getWidth(); x++) {
                    sum += img.getRGB(x, y) & 0xFF;
                }
            }
            Tensor t = inputs[0];
            for (int i = 0; i < 12; i++) {
                t.putFloat(i, i < s.length ? s[i] : 0f);
            }
            t.putFloat(12, (float) (sum / (img.getWidth() * img.getHeight()) / 255.0));
        }

        @Override
        public void decode(Tensor[] outputs, FloatVector into) {
            into.setLength(7);
            outputs[0].getFloats(0, into.array(), 0, 7);
        }
    }

    static SessionConfig config(SessionRequest req, IngressPolicy ingress) {
        return SessionConfig.DEFAULT.toBuilder().name(req.endpoint() + "-" + req.sessionId()).ingress(ingress)
                .closeTimeout(Duration.ofSeconds(2)).build();
    }

    static SessionFactory<VlaFrame, FloatVector> vlaFactory(ScriptedModel model, IngressPolicy ingress) {
        return SessionFactory.named("scripted", "test-policy", (req, l) -> StreamingInferenceSession
                .builder(model, new VlaTestTask()).config(config(req, ingress)).listener(l).build());
    }

    /** Detection: image width/height -> one box [w/4, h/4, 3w/4, 3h/4], confidence 0.9, class 1, and a 0.2 one. */
    static final class DetTask implements InferenceTask<DetectionImage, FloatVector> {
        @Override
        public void bind(ModelSignature model) {
        }

        @Override
        public FloatVector newOutput() {
            return new FloatVector(12);
        }

        @Override
        public void preprocess(DetectionImage f, Tensor[] inputs) {
            inputs[0].putFloat(0, f.width());
            inputs[0].putFloat(1, f.height());
        }

        @Override
        public void decode(Tensor[] outputs, FloatVector into) {
            into.setLength(12);
            outputs[0].getFloats(0, into.array(), 0, 12);
        }
    }

    static ScriptedModel detModel() {
        return ScriptedModel.builder().name("test-detector").input("size", DType.FLOAT32, 1, 2)
                .output("boxes", DType.FLOAT32, 1, 12).script((in, out) -> {
                    float w = in[0].getFloat(0);
                    float h = in[0].getFloat(1);
                    float[] v = {w / 4, h / 4, 3 * w / 4, 3 * h / 4, 0.9f, 1, 0, 0, w / 2, h / 2, 0.2f, 0};
                    out[0].putFloats(0, v, 0, v.length);
                }).build();
    }

    static DetectionEncoder<FloatVector> detEncoder() {
        return (v, sink) -> {
            float[] a = v.array();
            for (int i = 0; i + 6 <= v.length(); i += 6) {
                int cls = (int) a[i + 5];
                sink.detection(a[i], a[i + 1], a[i + 2], a[i + 3], a[i + 4], cls, cls == 0 ? "crack" : "pothole");
            }
        };
    }

    static ScriptedModel emgModel() {
        return ScriptedModel.builder().name("test-emg").input("emg", DType.FLOAT32, 1, 16, 200)
                .output("logits", DType.FLOAT32, 1, 7).script((in, out) -> {
                    for (int k = 0; k < 7; k++) {
                        out[0].putFloat(k, k == 3 ? 2f : 0f);
                    }
                }).build();
    }

    static ScriptedModel openPiModel() {
        return ScriptedModel.builder().name("test-openpi").input("state", DType.FLOAT32, 1, 8)
                .output("actions", DType.FLOAT32, 1, 4, 7).script((in, out) -> {
                    for (int h = 0; h < 4; h++) {
                        for (int d = 0; d < 7; d++) {
                            out[0].putFloat(h * 7L + d, in[0].getFloat(d) + h);
                        }
                    }
                }).build();
    }

    /** Wraps every session factory of {@link #fullServer(ServerLimits, AccessPolicy, Wrap)}. */
    interface Wrap {
        <I, O> SessionFactory<I, O> wrap(SessionFactory<I, O> f);
    }

    /** Every endpoint mounted on test models. */
    static StreamingServer.Builder fullServer(ServerLimits limits, AccessPolicy access) {
        return fullServer(limits, access, new Wrap() {
            @Override
            public <I, O> SessionFactory<I, O> wrap(SessionFactory<I, O> f) {
                return f;
            }
        });
    }

    /** Every endpoint mounted on test models, each session factory passed through {@code wrap}. */
    static StreamingServer.Builder fullServer(ServerLimits limits, AccessPolicy access, Wrap wrap) {
        ScriptedModel vla = vlaModel(200_000);
        ScriptedModel det = detModel();
        ScriptedModel emg = emgModel();
        ScriptedModel pi = openPiModel();
        SessionFactory<DetectionImage, FloatVector> detF = wrap.wrap(SessionFactory.named("scripted", "test-detector",
                (req, l) -> StreamingInferenceSession.builder(det, new DetTask())
                        .config(config(req, IngressPolicy.rejectNewest(4))).listener(l).build()));
        Map<String, SessionFactory<float[], FloatVector>> backends = new LinkedHashMap<>();
        backends.put("scripted", wrap.wrap(SessionFactory.named("scripted", "test-emg", (req, l) -> StreamingInferenceSession
                .builder(emg, FloatArrayTask.firstInputOutput()).config(config(req, IngressPolicy.LATEST_ONLY))
                .listener(l).build())));
        SessionFactory<OpenPiObservation, FloatVector> piF = wrap.wrap(SessionFactory.named("scripted", "test-openpi",
                (req, l) -> StreamingInferenceSession.builder(pi, StatePolicyTask.openPi("observation/state"))
                        .config(config(req, IngressPolicy.rejectNewest(2))).listener(l).build()));
        return StreamingServer.builder().host("127.0.0.1").port(0).limits(limits).access(access)
                .blockingThreads(4).ioThreads(2)
                .vla(VlaEndpoint.of(wrap.wrap(vlaFactory(vla, IngressPolicy.rejectNewest(8))),
                                ActionEncoder.floatVector())
                        .withMaxStateLength(12))
                .detection(DetectionEndpoint.of(detF, detEncoder()))
                .signal(SignalEndpoint.synthetic(backends, ClassificationEncoder.softmaxArgmax(1, 7)))
                .openPi(new OpenPiEndpoint<>("/", piF, ActionEncoder.floatChunk(7),
                        Map.of("action_horizon", 4, "action_dim", 7)));
    }

    static AccessPolicy keys() {
        return AccessPolicy.builder().apiKey(KEY_PRO, Tier.PRO).apiKey(KEY_FREE, Tier.FREE)
                .apiKey(KEY_ENT, Tier.ENTERPRISE).build();
    }

    // ------------------------------------------------------------------------------------------------ images

    static byte[] jpeg(int w, int h, int grey) {
        return encode(w, h, grey, "jpg");
    }

    static byte[] png(int w, int h, int grey) {
        return encode(w, h, grey, "png");
    }

    private static byte[] encode(int w, int h, int grey, String fmt) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(new Color(grey, grey, grey));
        g.fillRect(0, 0, w, h);
        g.dispose();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(img, fmt, out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    static String dataUrl(byte[] jpeg) {
        return "data:image/jpeg;base64," + Base64.getEncoder().encodeToString(jpeg);
    }

    static ObjectNode obj(Object... kv) {
        ObjectNode o = JSON.createObjectNode();
        for (int i = 0; i < kv.length; i += 2) {
            o.set((String) kv[i], JSON.valueToTree(kv[i + 1]));
        }
        return o;
    }

    static String vlaFrame(String image, double[] pose, double[] velocity) {
        ObjectNode f = obj("type", "frame", "image", image, "instruction", "pick up the red cube");
        f.set("robot_state", obj("pose", pose, "velocity", velocity));
        return f.toString();
    }

    static final String IMAGE_SMALL = dataUrl(jpeg(16, 16, 128));
    static final double[] POSE = {0.3, 0.0, 0.5, 0.0, 0.0, 0.0};
    static final double[] VEL = {0, 0, 0, 0, 0, 0};

    // ------------------------------------------------------------------------------------------------ clients

    static HttpClient http() {
        return HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    }

    static HttpResponse<String> get(StreamingServer s, String path, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port() + path))
                .timeout(Duration.ofSeconds(20));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return http().send(b.GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> send(StreamingServer s, String method, String path, String body, String... headers)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port() + path))
                .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json");
        if (headers.length > 0) {
            b.headers(headers);
        }
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return http().send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static JsonNode json(String s) {
        try {
            return JSON.readTree(s);
        } catch (IOException e) {
            throw new UncheckedIOException("not JSON: " + s, e);
        }
    }

    /** A WebSocket message received: text (parsed lazily), binary, or the close. */
    record Msg(String text, byte[] binary, int closeCode, String closeReason) {
        JsonNode json() {
            if (text == null) {
                throw new AssertionError("expected a text message, got " + this);
            }
            return TestSupport.json(text);
        }

        boolean isClose() {
            return closeCode != 0;
        }

        @Override
        public String toString() {
            return text != null ? "text " + text : binary != null ? "binary[" + binary.length + "]"
                    : "close " + closeCode + " " + closeReason;
        }
    }

    /** A JDK WebSocket client that queues what it receives. */
    static final class Ws implements WebSocket.Listener, AutoCloseable {
        final BlockingQueue<Msg> inbox = new LinkedBlockingQueue<>();
        private final StringBuilder text = new StringBuilder();
        private ByteArrayOutputStream bin = new ByteArrayOutputStream();
        WebSocket ws;
        volatile boolean paused;

        static Ws connect(String url, String... headers) throws Exception {
            Ws c = new Ws();
            WebSocket.Builder b = http().newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5));
            for (int i = 0; i < headers.length; i += 2) {
                b.header(headers[i], headers[i + 1]);
            }
            c.ws = b.buildAsync(URI.create(url), c).get(10, TimeUnit.SECONDS);
            return c;
        }

        static Ws vla(StreamingServer s) throws Exception {
            return connect("ws://127.0.0.1:" + s.port() + "/v1/stream");
        }

        @Override
        public void onOpen(WebSocket webSocket) {
            webSocket.request(1);
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                inbox.add(new Msg(text.toString(), null, 0, null));
                text.setLength(0);
            }
            if (!paused) {
                webSocket.request(1);
            }
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
            byte[] b = new byte[data.remaining()];
            data.get(b);
            bin.write(b, 0, b.length);
            if (last) {
                inbox.add(new Msg(null, bin.toByteArray(), 0, null));
                bin = new ByteArrayOutputStream();
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            inbox.add(new Msg(null, null, statusCode, reason));
            return null;
        }

        @Override
        public CompletionStage<?> onPong(WebSocket webSocket, ByteBuffer message) {
            byte[] b = new byte[message.remaining()];
            message.get(b);
            inbox.add(new Msg("pong:" + new String(b, java.nio.charset.StandardCharsets.UTF_8), null, 0, null));
            webSocket.request(1);
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            inbox.add(new Msg(null, null, -1, String.valueOf(error)));
        }

        void send(String s) {
            ws.sendText(s, true).join();
        }

        void send(byte[] b) {
            ws.sendBinary(ByteBuffer.wrap(b), true).join();
        }

        Msg next() throws InterruptedException {
            Msg m = inbox.poll(10, TimeUnit.SECONDS);
            if (m == null) {
                throw new AssertionError("no message within 10 s");
            }
            return m;
        }

        JsonNode nextJson() throws InterruptedException {
            return next().json();
        }

        /** Authenticates with an api key and returns the connected message. */
        JsonNode auth(String key, double fps) throws InterruptedException {
            ObjectNode a = obj("type", "auth", "model", "openvla-7b", "robot_type", "franka_panda",
                    "target_fps", fps, "enable_smoothing", true, "enable_safety", true);
            if (key != null) {
                a.put("api_key", key);
            }
            send(a.toString());
            return nextJson();
        }

        /** Waits for the close, skipping other messages; returns it. */
        Msg awaitClose() throws InterruptedException {
            for (int i = 0; i < 10_000; i++) {
                Msg m = next();
                if (m.isClose()) {
                    return m;
                }
            }
            throw new AssertionError("no close");
        }

        @Override
        public void close() {
            if (ws != null && !ws.isOutputClosed()) {
                try {
                    ws.sendClose(1000, "bye").get(2, TimeUnit.SECONDS);
                } catch (Exception ignored) {
                    // already closing
                }
            }
            if (ws != null) {
                ws.abort();
            }
        }
    }

}
