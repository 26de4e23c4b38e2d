package io.github.streaminfer.transport.internal.signal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.streaminfer.transport.AccessPolicy;
import io.github.streaminfer.transport.SessionFactory;
import io.github.streaminfer.transport.internal.http.Http;
import io.github.streaminfer.transport.internal.http.Json;
import io.github.streaminfer.transport.internal.http.ProtocolException;
import io.github.streaminfer.transport.internal.http.RouteTable;
import io.github.streaminfer.transport.internal.http.Router;
import io.github.streaminfer.transport.internal.http.ServerContext;
import io.github.streaminfer.transport.internal.http.SessionOpener;
import io.github.streaminfer.transport.signal.SignalEndpoint;
import io.github.streaminfer.transport.signal.SignalSource;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The EMG seed's endpoints: {@code GET /health}, {@code GET /infer/stream/stats} and {@code POST /infer/stream}
 * (SSE, one {@link SignalStream} per request) here; {@code POST /infer} (and {@code /infer/{backend}}) in
 * {@link SignalInfer}, {@code POST /benchmark} in {@link SignalBenchmark}.
 *
 * <p><b>Note:</b> thread-safe. Streams tick on their channel's event loop (generating a window is not inference);
 * inference runs on session workers; session opening, single inferences, benchmarks and the start-up warm-up run on
 * the blocking executor.
 *
 * @param <O> result value type
 */
public final class SignalService<O> {
    private static final Logger LOG = LoggerFactory.getLogger(SignalService.class);
    static final String ENDPOINT = "signal";
    static final Set<String> STREAM_FIELDS = Set.of("duration_seconds", "use_tensorrt", "fps", "preprocess",
            "backend");
    /** Frames the start-up warm-up runs through the default backend's stream path. */
    static final int WARMUP_FRAMES = 50;

    final ServerContext server;
    final SignalEndpoint<O> endpoint;
    private final SignalInfer<O> infer;
    private final SignalBenchmark<O> benchmark;
    final AtomicLong streamSeed = new AtomicLong(42);

    /**
     * Creates the service; {@link #warmUp(InetSocketAddress)} prepares the stream path.
     *
     * @param server   server state
     * @param endpoint endpoint
     */
    public SignalService(ServerContext server, SignalEndpoint<O> endpoint) {
        this.server = server;
        this.endpoint = endpoint;
        this.infer = new SignalInfer<>(this);
        this.benchmark = new SignalBenchmark<>(this);
    }

    /** {@return the routes} */
    public Router.HttpRoutes routes() {
        return this::route;
    }

    /**
     * Warms the stream path on the blocking executor, so that the first client's stream finds its classes loaded,
     * the model's first runs done and the event path compiled: runs {@link #WARMUP_FRAMES} windows through a session
     * of the default backend, encoding each result as a stream event; parses a stream request; and, given the
     * server's address, sends one {@code GET /health} through the server's own HTTP pipeline. Failures are logged
     * and otherwise ignored: the warm-up is an optimisation.
     *
     * @param self where the server accepts plain HTTP, or null (TLS) to skip the request
     * @return completed when the warm-up has finished (or was skipped)
     */
    public java.util.concurrent.CompletableFuture<Void> warmUp(InetSocketAddress self) {
        return new SignalWarmUp<>(this).start(self);
    }

    private boolean tensorrtAvailable() {
        SessionFactory<float[], O> f = endpoint.backends().get("tensorrt");
        return f != null && f.isAvailable();
    }

    private boolean route(ChannelHandlerContext ctx, FullHttpRequest req, String path, QueryStringDecoder query) {
        Channel ch = ctx.channel();
        switch (path) {
            case "/health": {
                if (!req.method().equals(HttpMethod.GET)) {
                    Http.methodNotAllowed(ch, req, "GET");
                    return true;
                }
                ObjectNode o = Json.object();
                o.put("status", "ok");
                o.put("tensorrt_available", tensorrtAvailable());
                o.put("emg_mode", endpoint.mode());
                ObjectNode b = o.putObject("backends");
                endpoint.backends().forEach((id, f) -> b.put(id, f.isAvailable()));
                Http.json(ch, req, HttpResponseStatus.OK, o);
                return true;
            }
            case "/infer/stream/stats":
                if (!req.method().equals(HttpMethod.GET)) {
                    Http.methodNotAllowed(ch, req, "GET");
                    return true;
                }
                if (Http.authenticate(server, ch, req, query) != null) {
                    Http.json(ch, req, HttpResponseStatus.OK, streamStats());
                }
                return true;
            case "/infer/stream":
                if (!req.method().equals(HttpMethod.POST)) {
                    Http.methodNotAllowed(ch, req, "POST");
                    return true;
                }
                startStream(ctx, req, query);
                return true;
            case "/benchmark":
                if (!req.method().equals(HttpMethod.POST)) {
                    Http.methodNotAllowed(ch, req, "POST");
                    return true;
                }
                benchmark.benchmark(ch, req, query);
                return true;
            default:
                if (path.equals("/infer") || path.startsWith("/infer/") && path.indexOf('/', 7) < 0) {
                    if (!req.method().equals(HttpMethod.POST)) {
                        Http.methodNotAllowed(ch, req, "POST");
                        return true;
                    }
                    infer.infer(ch, req, query, path.equals("/infer") ? null : path.substring(7));
                    return true;
                }
                return false;
        }
    }

    private ObjectNode streamStats() {
        ObjectNode o = Json.object();
        o.put("tensorrt_available", tensorrtAvailable());
        o.put("emg_mode", endpoint.mode());
        o.put("emg_window_size", endpoint.length());
        o.put("emg_channels", endpoint.channels());
        o.put("emg_sampling_rate", endpoint.samplingRate());
        ObjectNode bench = benchmark.lastBenchmark();
        if (bench == null) {
            o.putNull("max_throughput_qps");
            o.putNull("expected_latency_ms");
            o.put("measured_by", "POST /benchmark has not run yet");
        } else {
            double best = 0;
            for (JsonNode n : bench) {
                best = Math.max(best, n.path("throughput_qps").asDouble());
            }
            o.put("max_throughput_qps", best);
            o.set("expected_latency_ms", bench.path(endpoint.defaultBackend()).path("median_latency_ms"));
            o.put("measured_by", "POST /benchmark");
        }
        o.put("default_backend", endpoint.defaultBackend());
        o.put("active_streams", server.activeSessions(ENDPOINT));
        return o;
    }

    String chooseBackend(ObjectNode body, String pathBackend) throws ProtocolException {
        String named = pathBackend != null ? pathBackend : Json.text(body, "backend", null, 64);
        boolean trt = Json.bool(body, "use_tensorrt", false);
        if (named == null) {
            if (trt && tensorrtAvailable()) {
                return "tensorrt";
            }
            for (Map.Entry<String, SessionFactory<float[], O>> e : endpoint.backends().entrySet()) {
                if (e.getValue().isAvailable()) {
                    return e.getKey();
                }
            }
            throw new ProtocolException("backend_unavailable", "no backend is available on this server");
        }
        SessionFactory<float[], O> f = endpoint.backends().get(named);
        if (f == null) {
            throw new ProtocolException("unknown_backend", "unknown backend '" + Json.truncate(named, 64)
                    + "'; allowed: " + String.join(", ", endpoint.backends().keySet()));
        }
        if (!f.isAvailable()) {
            String cause = f.unavailabilityCause();
            throw new ProtocolException("backend_unavailable", "backend '" + named + "' is not available here"
                    + (cause == null ? "" : ": " + cause) + "; available: " + available());
        }
        return named;
    }

    /** {@return the ids of the available backends, comma-separated, or {@code none}} */
    private String available() {
        StringBuilder sb = new StringBuilder();
        endpoint.backends().forEach((id, f) -> {
            if (f.isAvailable()) {
                sb.append(sb.length() == 0 ? "" : ", ").append(id);
            }
        });
        return sb.length() == 0 ? "none" : sb.toString();
    }

    /**
     * {@return why a request with {@code use_tensorrt: true} runs on {@code chosen} instead, or null if it runs on
     * TensorRT or did not ask for it}
     *
     * @param body       the request body
     * @param pathBackend the backend the path names, or null
     * @param chosen     the backend {@link #chooseBackend} chose
     */
    String tensorrtFallback(ObjectNode body, String pathBackend, String chosen) throws ProtocolException {
        if (pathBackend != null || body.hasNonNull("backend") || !Json.bool(body, "use_tensorrt", false)
                || chosen.equals("tensorrt")) {
            return null;
        }
        SessionFactory<float[], O> f = endpoint.backends().get("tensorrt");
        String why = f == null ? "this server has no tensorrt backend"
                : "tensorrt is unavailable: " + (f.unavailabilityCause() == null ? "no cause given"
                : f.unavailabilityCause());
        return why + "; ran on " + chosen;
    }

    static ObjectNode body(FullHttpRequest req) throws ProtocolException {
        return req.content().isReadable() ? Json.parseObject(req.content()) : Json.object();
    }

    /** {@return a signal source for a new stream or run, each with its own noise seed} */
    SignalSource newSource() {
        return endpoint.sources().apply(streamSeed.getAndIncrement());
    }

    private void startStream(ChannelHandlerContext ctx, FullHttpRequest req, QueryStringDecoder query) {
        Channel ch = ctx.channel();
        AccessPolicy.Principal p = Http.authenticate(server, ch, req, query);
        if (p == null) {
            return;
        }
        double duration;
        double fps;
        boolean preprocess;
        String backend;
        try {
            ObjectNode b = body(req);
            Json.onlyFields(b, "stream request", STREAM_FIELDS);
            duration = Json.number(b, "duration_seconds", -1, 0, 86_400);
            fps = Json.number(b, "fps", 30, 1, endpoint.maxFps());
            preprocess = Json.bool(b, "preprocess", true);
            backend = chooseBackend(b, null);
        } catch (ProtocolException e) {
            Http.error(ch, req, HttpResponseStatus.BAD_REQUEST, e.getMessage());
            return;
        }
        if (p.tier().limitsFps() && fps > p.tier().maxFps()) {
            Http.error(ch, req, HttpResponseStatus.FORBIDDEN, "fps " + Json.fmt(fps) + " exceeds tier '"
                    + p.tier().name() + "' limit of " + Json.fmt(p.tier().maxFps()));
            return;
        }
        if (!server.tryAcquireSlot(p)) {
            Http.error(ch, req, HttpResponseStatus.FORBIDDEN, "tier '" + p.tier().name() + "' allows "
                    + p.tier().maxConcurrentSessions() + " concurrent session(s)");
            return;
        }
        SignalStream<O> s = new SignalStream<>(this, ctx, p, backend, fps, duration, preprocess);
        if (!SessionOpener.open(server, ch.eventLoop(), s::open, s.outcome(req), SignalStream.LOG, "signal-open",
                "signal stream")) {
            s.release();
            Http.error(ch, req, HttpResponseStatus.SERVICE_UNAVAILABLE, "server busy");
        }
    }

    /**
     * The next frame of a source, in a new array: see {@link #fillFrame}.
     *
     * @param source     the source
     * @param scratch    {@code channels × length} floats the caller owns, reused between frames
     * @param preprocess z-score a channel-major window
     * @return the frame
     */
    float[] nextFrame(SignalSource source, float[] scratch, boolean preprocess) {
        float[] frame = new float[endpoint.channels() * endpoint.length()];
        fillFrame(source, scratch, preprocess, frame);
        return frame;
    }

    /**
     * Writes the next frame of a source: a channel-major window (z-scored here when asked), or an interleaved block
     * for a windowing task, which normalises it itself.
     *
     * @param source     the source
     * @param scratch    {@code channels × length} floats the caller owns, reused between frames
     * @param preprocess z-score a channel-major window
     * @param frame      receives {@code channels × length} floats
     */
    void fillFrame(SignalSource source, float[] scratch, boolean preprocess, float[] frame) {
        int channels = endpoint.channels();
        int len = endpoint.length();
        if (!endpoint.interleaved()) {
            source.next(frame);
            if (preprocess) {
                SignalSource.zScore(frame, channels, len);
            }
            return;
        }
        source.next(scratch);
        for (int c = 0; c < channels; c++) {
            int from = c * len;
            for (int t = 0; t < len; t++) {
                frame[t * channels + c] = scratch[from + t];
            }
        }
    }

    /**
     * Describes the signal paths, for {@code GET /} and the start-up log.
     *
     * @param routes the server's routes
     */
    public void describe(RouteTable routes) {
        routes.describeHttp("/infer/stream", "signal inference stream (POST, SSE)");
        routes.describeHttp("/infer", "single inference (POST)");
        routes.describeHttp("/infer/stream/stats", "signal stream capabilities");
        routes.describeHttp("/benchmark", "benchmark per backend (POST)");
        routes.describeHttp("/health", "health");
    }
}
