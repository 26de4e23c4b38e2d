package io.github.streaminfer.transport.internal;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.streaminfer.session.InferenceResult;
import io.github.streaminfer.session.ResultListener;
import io.github.streaminfer.session.StreamingInferenceSession;
import io.github.streaminfer.session.SubmitStatus;
import io.github.streaminfer.transport.AccessPolicy;
import io.github.streaminfer.transport.ClassificationOut;
import io.github.streaminfer.transport.SessionFactory;
import io.github.streaminfer.transport.SessionRejectedException;
import io.github.streaminfer.transport.SessionRequest;
import io.github.streaminfer.transport.SignalEndpoint;
import io.github.streaminfer.transport.SignalSource;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The EMG seed's endpoints: {@code GET /health}, {@code POST /infer} (and {@code /infer/{backend}}),
 * {@code POST /infer/stream} (SSE), {@code GET /infer/stream/stats}, {@code POST /benchmark}.
 *
 * <p><b>Note:</b> thread-safe. Streams tick on their channel's event loop (generating a window is not inference);
 * inference runs on session workers; single inferences and benchmarks on the blocking executor.
 *
 * @param <O> result value type
 */
public final class SignalService<O> {
    private static final Logger LOG = LoggerFactory.getLogger(SignalService.class);
    static final String ENDPOINT = "signal";
    private static final Set<String> STREAM_FIELDS = Set.of("duration_seconds", "use_tensorrt", "fps", "preprocess",
            "backend");
    private static final Set<String> INFER_FIELDS = Set.of("batch", "channels", "length", "steps", "backend",
            "use_tensorrt", "preprocess");
    private static final int MAX_BENCHMARK_ITERATIONS = 100_000;

    private final ServerContext server;
    private final SignalEndpoint<O> endpoint;
    private final AtomicBoolean benchmarking = new AtomicBoolean();
    private final AtomicLong streamSeed = new AtomicLong(42);
    private volatile ObjectNode lastBenchmark;

    /**
     * @param server   server state
     * @param endpoint endpoint
     */
    public SignalService(ServerContext server, SignalEndpoint<O> endpoint) {
        this.server = server;
        this.endpoint = endpoint;
    }

    /** @return the routes */
    public Router.HttpRoutes routes() {
        return this::route;
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
                    DetectionService.methodNotAllowed(ch, req, "GET");
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
            case "/infer/stream/stats": {
                if (!req.method().equals(HttpMethod.GET)) {
                    DetectionService.methodNotAllowed(ch, req, "GET");
                    return true;
                }
                if (Http.authenticate(server, ch, req, query) == null) {
                    return true;
                }
                ObjectNode o = Json.object();
                o.put("tensorrt_available", tensorrtAvailable());
                o.put("emg_mode", endpoint.mode());
                o.put("emg_window_size", endpoint.length());
                o.put("emg_channels", endpoint.channels());
                o.put("emg_sampling_rate", endpoint.samplingRate());
                ObjectNode bench = lastBenchmark;
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
                Http.json(ch, req, HttpResponseStatus.OK, o);
                return true;
            }
            case "/infer/stream":
                if (!req.method().equals(HttpMethod.POST)) {
                    DetectionService.methodNotAllowed(ch, req, "POST");
                    return true;
                }
                startStream(ctx, req, query);
                return true;
            case "/benchmark":
                if (!req.method().equals(HttpMethod.POST)) {
                    DetectionService.methodNotAllowed(ch, req, "POST");
                    return true;
                }
                benchmark(ch, req, query);
                return true;
            default:
                if (path.equals("/infer") || path.startsWith("/infer/") && path.indexOf('/', 7) < 0) {
                    if (!req.method().equals(HttpMethod.POST)) {
                        DetectionService.methodNotAllowed(ch, req, "POST");
                        return true;
                    }
                    infer(ch, req, query, path.equals("/infer") ? null : path.substring(7));
                    return true;
                }
                return false;
        }
    }

    private String chooseBackend(ObjectNode body, String pathBackend) throws ProtocolException {
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
            throw new ProtocolException("backend_unavailable", "backend '" + named + "' is not available here");
        }
        return named;
    }

    private static ObjectNode body(FullHttpRequest req) throws ProtocolException {
        return req.content().isReadable() ? Json.parseObject(req.content()) : Json.object();
    }

    // ================================================================================================ SSE stream

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
        Stream s = new Stream(ctx, p, backend, fps, duration, preprocess);
        try {
            server.blocking.execute(() -> s.open(req));
        } catch (RejectedExecutionException e) {
            s.release();
            Http.error(ch, req, HttpResponseStatus.SERVICE_UNAVAILABLE, "server busy");
        }
    }

    /** One SSE inference stream. */
    final class Stream implements ResultListener<O>, ServerContext.Graceful, Runnable {
        private final ChannelHandlerContext ctx;
        private final Channel ch;
        private final AccessPolicy.Principal principal;
        private final String backend;
        private final double fps;
        private final long durationNanos;
        private final boolean preprocess;
        private final SignalSource source;
        private final ClassificationOut cls = new ClassificationOut();
        private final LiveSession live;
        private final AtomicLong emitted = new AtomicLong();
        private final CompletableFuture<Void> done = new CompletableFuture<>();
        private Outbound out;
        private volatile StreamingInferenceSession<float[], O> session;
        private ScheduledFuture<?> ticker;
        private long start;
        private long frame;
        private boolean finishing;
        private boolean released;

        Stream(ChannelHandlerContext ctx, AccessPolicy.Principal principal, String backend, double fps,
               double durationSeconds, boolean preprocess) {
            this.ctx = ctx;
            this.ch = ctx.channel();
            this.principal = principal;
            this.backend = backend;
            this.fps = fps;
            this.durationNanos = durationSeconds < 0 ? -1 : (long) (durationSeconds * 1e9);
            this.preprocess = preprocess;
            this.source = endpoint.sources().apply(streamSeed.getAndIncrement());
            this.live = server.register(ENDPOINT, principal);
        }

        void open(FullHttpRequest req) {
            SessionRequest r = new SessionRequest(ENDPOINT, live.id(), endpoint.backends().get(backend).modelName(),
                    0, principal.tier().maxFps(), principal, Map.of("backend", backend, "preprocess", preprocess,
                    "fps", fps));
            StreamingInferenceSession<float[], O> s;
            try {
                s = endpoint.backends().get(backend).open(r, this);
            } catch (RuntimeException e) {
                boolean rejected = e instanceof SessionRejectedException;
                if (!rejected) {
                    LOG.warn("signal stream: opening failed", e);
                }
                release();
                ch.eventLoop().execute(() -> Http.error(ch, req, rejected ? HttpResponseStatus.BAD_REQUEST
                        : HttpResponseStatus.INTERNAL_SERVER_ERROR, rejected ? e.getMessage() : "could not open a session"));
                return;
            }
            session = s;
            live.session = s;
            ch.eventLoop().execute(this::started);
        }

        private void started() {
            if (!ch.isActive()) {
                release();
                return;
            }
            Router router = ctx.pipeline().get(Router.class);
            if (router != null) {
                router.streaming = true;
            }
            out = new Outbound(ch);
            live.outbound = out;
            ch.pipeline().addLast(new DetectionService.WritabilityRelay(out));
            server.graceful.add(this);
            Http.startSse(ch);
            start = System.nanoTime();
            long period = Math.max(1, Math.round(1e9 / fps));
            ticker = ch.eventLoop().scheduleAtFixedRate(this, 0, period, TimeUnit.NANOSECONDS);
            ch.closeFuture().addListener(f -> {
                if (ticker != null) {
                    ticker.cancel(false);
                }
                out.dispose();
                release();
            });
        }

        @Override
        public void run() {
            if (finishing) {
                return;
            }
            long now = System.nanoTime();
            if (durationNanos >= 0 && now - start >= durationNanos) {
                finish("completed");
                return;
            }
            CpuLoad.percent();
            float[] window = nextFrame(source, preprocess);
            long n = ++frame;
            live.framesReceived.increment();
            SubmitStatus st = session.submit(window, n, now);
            if (!st.isAccepted()) {
                errorEvent(st == SubmitStatus.REJECTED_FULL ? "Frame queue full"
                        : st == SubmitStatus.RATE_LIMITED ? "frame rejected by the session's max_fps"
                        : "session is closed", n);
            }
        }

        private void errorEvent(String message, long n) {
            ObjectNode o = Json.object();
            o.put("error", message);
            o.put("timestamp", Json.unixSeconds());
            o.put("frame", n);
            out.send(Http.sseEvent(Json.encode(ch.alloc(), o)));
        }

        @Override
        public void onResult(InferenceResult<O> r) {
            Outbound o = out;
            if (o == null) {
                return;
            }
            long latency = r.publishedNanos() - r.captureNanos();
            ByteBuf buf = ch.alloc().buffer(256);
            try (JsonGenerator g = Json.generator(buf)) {
                g.writeStartObject();
                if (r.isSuccess()) {
                    emitted.incrementAndGet();
                    live.latencySumNanos.add(latency);
                    live.latencyCount.increment();
                    server.latency.recordValue(Math.max(0, latency));
                    endpoint.encoder().encode(r.value(), cls);
                    g.writeNumberField("timestamp", Json.unixSeconds());
                    g.writeNumberField("frame", r.frameId());
                    g.writeNumberField("latency_ms", Json.millis(latency));
                    g.writeNumberField("prediction", cls.prediction());
                    g.writeNumberField("confidence", cls.confidence());
                    g.writeArrayFieldStart("shape");
                    for (long d : cls.shape()) {
                        g.writeNumber(d);
                    }
                    g.writeEndArray();
                    g.writeStringField("backend", backend);
                    g.writeNumberField("cpu_percent", CpuLoad.percent());
                } else {
                    g.writeStringField("error", VlaHandler.failureMessage(r));
                    g.writeNumberField("timestamp", Json.unixSeconds());
                    g.writeNumberField("frame", r.frameId());
                }
                g.writeEndObject();
            } catch (IOException | RuntimeException e) {
                buf.release();
                return;
            }
            o.send(Http.sseEvent(buf));
        }

        /** Event loop: stops ticking, drains (on the blocking executor), sends the completion event. */
        void finish(String status) {
            if (finishing) {
                return;
            }
            finishing = true;
            ticker.cancel(false);
            long end = System.nanoTime();
            server.blocking.execute(() -> {
                session.drainAndClose(server.limits.closeDrainTimeout().toNanos(), TimeUnit.NANOSECONDS);
                ch.eventLoop().execute(() -> {
                    out.flushPending();
                    double secs = (end - start) / 1e9;
                    ObjectNode o = Json.object();
                    o.put("status", status);
                    o.put("total_frames", emitted.get());
                    o.put("duration_seconds", VlaHandler.round3(secs));
                    o.put("avg_fps", secs <= 0 ? 0 : VlaHandler.round3(emitted.get() / secs));
                    o.put("frames_generated", frame);
                    o.put("frames_superseded", out.conflated());
                    ch.write(Http.sseEvent(Json.encode(ch.alloc(), o)));
                    ch.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT).addListener(ChannelFutureListener.CLOSE);
                });
            });
        }

        void release() {
            synchronized (this) {
                if (released) {
                    return;
                }
                released = true;
            }
            server.graceful.remove(this);
            server.unregister(live);
            server.releaseSlot(principal);
            StreamingInferenceSession<float[], O> s = session;
            if (s != null && !s.isClosed()) {
                try {
                    server.blocking.execute(s::close);
                } catch (RejectedExecutionException e) {
                    s.close();
                }
            }
            done.complete(null);
        }

        @Override
        public CompletableFuture<Void> shutdown() {
            ch.eventLoop().execute(() -> finish("stopped: server shutting down"));
            return done;
        }
    }

    // ================================================================================================ /infer, /benchmark

    private record Sample(boolean ok, long endToEndNanos, int prediction, double confidence, long[] shape,
                          String error) {
    }

    /** Collects results of a synchronous run. */
    private final class Collector implements ResultListener<O> {
        final LinkedBlockingQueue<Sample> queue = new LinkedBlockingQueue<>();
        final ClassificationOut cls = new ClassificationOut();

        @Override
        public void onResult(InferenceResult<O> r) {
            if (r.isSuccess()) {
                endpoint.encoder().encode(r.value(), cls);
                queue.add(new Sample(true, r.endToEndNanos(), cls.prediction(), cls.confidence(), cls.shape(), null));
            } else {
                queue.add(new Sample(false, 0, 0, 0, null, VlaHandler.failureMessage(r)));
            }
        }
    }

    private void infer(Channel ch, FullHttpRequest req, QueryStringDecoder query, String pathBackend) {
        AccessPolicy.Principal p = Http.authenticate(server, ch, req, query);
        if (p == null) {
            return;
        }
        String backend;
        int steps;
        boolean preprocess;
        try {
            ObjectNode b = body(req);
            Json.onlyFields(b, "inference request", INFER_FIELDS);
            double batch = Json.number(b, "batch", 1, 1, 1);
            double channels = Json.number(b, "channels", endpoint.channels(), endpoint.channels(), endpoint.channels());
            double length = Json.number(b, "length", endpoint.length(), endpoint.length(), endpoint.length());
            steps = (int) Json.number(b, "steps", 1, 1, 1000);
            preprocess = Json.bool(b, "preprocess", true);
            backend = chooseBackend(b, pathBackend);
            if (batch != 1 || channels != endpoint.channels() || length != endpoint.length()) {
                throw new ProtocolException("invalid_field", "unsupported geometry");
            }
        } catch (ProtocolException e) {
            Http.error(ch, req, HttpResponseStatus.BAD_REQUEST, e.getMessage());
            return;
        }
        if (!server.tryAcquireSlot(p)) {
            Http.error(ch, req, HttpResponseStatus.FORBIDDEN, "tier '" + p.tier().name() + "' allows "
                    + p.tier().maxConcurrentSessions() + " concurrent session(s)");
            return;
        }
        try {
            server.blocking.execute(() -> {
                try {
                    ObjectNode o = runInfer(p, backend, steps, preprocess);
                    ch.eventLoop().execute(() -> Http.json(ch, req, o.has("error")
                            ? HttpResponseStatus.UNPROCESSABLE_ENTITY : HttpResponseStatus.OK, o));
                } catch (SessionRejectedException e) {
                    ch.eventLoop().execute(() -> Http.error(ch, req, HttpResponseStatus.BAD_REQUEST, e.getMessage()));
                } catch (RuntimeException e) {
                    LOG.warn("POST /infer failed", e);
                    ch.eventLoop().execute(() -> Http.error(ch, req, HttpResponseStatus.INTERNAL_SERVER_ERROR,
                            "inference failed (internal error)"));
                } finally {
                    server.releaseSlot(p);
                }
            });
        } catch (RejectedExecutionException e) {
            server.releaseSlot(p);
            Http.error(ch, req, HttpResponseStatus.SERVICE_UNAVAILABLE, "server busy");
        }
    }

    private ObjectNode runInfer(AccessPolicy.Principal p, String backend, int steps, boolean preprocess) {
        Collector c = new Collector();
        LiveSession ls = server.register(ENDPOINT, p);
        SignalSource src = endpoint.sources().apply(streamSeed.getAndIncrement());
        try (StreamingInferenceSession<float[], O> s = endpoint.backends().get(backend).open(
                new SessionRequest(ENDPOINT, ls.id(), endpoint.backends().get(backend).modelName(), 0, 0, p,
                        Map.of("backend", backend, "preprocess", preprocess)), c)) {
            ls.session = s;
            double sum = 0;
            Sample last = null;
            for (int i = 0; i < steps; i++) {
                float[] w = nextFrame(src, preprocess);
                last = submitAndWait(s, c, w);
                if (!last.ok) {
                    ObjectNode o = Json.object();
                    o.put("error", last.error == null ? "no result within 10 s" : last.error);
                    return o;
                }
                sum += last.endToEndNanos;
            }
            ObjectNode o = Json.object();
            o.put("latency_ms", VlaHandler.round3(sum / steps / 1e6));
            o.put("prediction", last.prediction);
            o.put("confidence", last.confidence);
            o.set("shape", Json.MAPPER.valueToTree(last.shape));
            o.put("backend", backend);
            o.put("cpu_percent", CpuLoad.percent());
            o.put("steps", steps);
            return o;
        } finally {
            server.unregister(ls);
        }
    }

    private Sample submitAndWait(StreamingInferenceSession<float[], O> s, Collector c, float[] w) {
        for (int attempt = 0; attempt < 1000; attempt++) {
            SubmitStatus st = s.submit(w);
            if (st.isAccepted()) {
                try {
                    Sample r = c.queue.poll(10, TimeUnit.SECONDS);
                    return r != null ? r : new Sample(false, 0, 0, 0, null, null);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return new Sample(false, 0, 0, 0, null, "interrupted");
                }
            }
            if (st == SubmitStatus.CLOSED) {
                break;
            }
            try {
                Thread.sleep(1); // paced or rate-limited session: try again
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return new Sample(false, 0, 0, 0, null, "session refused the frame");
    }

    private void benchmark(Channel ch, FullHttpRequest req, QueryStringDecoder query) {
        AccessPolicy.Principal p = Http.authenticate(server, ch, req, query);
        if (p == null) {
            return;
        }
        int n;
        try {
            ObjectNode b = body(req);
            Json.onlyFields(b, "benchmark request", Set.of("num_iterations"));
            List<String> q = query.parameters().get("num_iterations");
            if (q != null && !q.isEmpty() && !b.has("num_iterations")) {
                try {
                    b.put("num_iterations", Double.parseDouble(q.get(0)));
                } catch (NumberFormatException e) {
                    throw new ProtocolException("invalid_field", "query parameter 'num_iterations' must be a number");
                }
            }
            double v = Json.number(b, "num_iterations", 1000, 1, MAX_BENCHMARK_ITERATIONS);
            if (v != Math.rint(v)) {
                throw new ProtocolException("invalid_field", "num_iterations must be an integer");
            }
            n = (int) v;
        } catch (ProtocolException e) {
            Http.error(ch, req, HttpResponseStatus.BAD_REQUEST, e.getMessage());
            return;
        }
        if (!benchmarking.compareAndSet(false, true)) {
            Http.error(ch, req, HttpResponseStatus.TOO_MANY_REQUESTS, "a benchmark is already running");
            return;
        }
        try {
            server.blocking.execute(() -> {
                try {
                    ObjectNode o = Json.object();
                    for (Map.Entry<String, SessionFactory<float[], O>> e : endpoint.backends().entrySet()) {
                        if (e.getValue().isAvailable()) {
                            o.set(e.getKey(), runBenchmark(p, e.getKey(), n));
                        }
                    }
                    lastBenchmark = o;
                    ch.eventLoop().execute(() -> Http.json(ch, req, HttpResponseStatus.OK, o));
                } catch (RuntimeException e) {
                    LOG.warn("POST /benchmark failed", e);
                    ch.eventLoop().execute(() -> Http.error(ch, req, HttpResponseStatus.INTERNAL_SERVER_ERROR,
                            "benchmark failed (internal error)"));
                } finally {
                    benchmarking.set(false);
                }
            });
        } catch (RejectedExecutionException e) {
            benchmarking.set(false);
            Http.error(ch, req, HttpResponseStatus.SERVICE_UNAVAILABLE, "server busy");
        }
    }

    /**
     * The next frame of a source: a channel-major window (z-scored here when asked), or an interleaved block for a
     * windowing task, which normalises it itself.
     */
    private float[] nextFrame(SignalSource source, boolean preprocess) {
        int ch = endpoint.channels();
        int len = endpoint.length();
        float[] w = new float[ch * len];
        source.next(w);
        if (!endpoint.interleaved()) {
            if (preprocess) {
                SignalSource.zScore(w, ch, len);
            }
            return w;
        }
        float[] block = new float[w.length];
        for (int c = 0; c < ch; c++) {
            for (int t = 0; t < len; t++) {
                block[t * ch + c] = w[c * len + t];
            }
        }
        return block;
    }

    private ObjectNode runBenchmark(AccessPolicy.Principal p, String backend, int n) {
        Collector c = new Collector();
        float[] w = nextFrame(endpoint.sources().apply(7), true);
        long[] lat = new long[n];
        int ok = 0;
        long t0;
        long t1;
        try (StreamingInferenceSession<float[], O> s = endpoint.backends().get(backend).open(
                new SessionRequest(ENDPOINT, "benchmark-" + backend, endpoint.backends().get(backend).modelName(), 0,
                        0, p, Map.of("backend", backend)), c)) {
            for (int i = 0; i < Math.min(10, n); i++) {
                submitAndWait(s, c, w);
            }
            t0 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                Sample x = submitAndWait(s, c, w);
                if (x.ok) {
                    lat[ok++] = x.endToEndNanos;
                }
            }
            t1 = System.nanoTime();
        }
        long[] v = Arrays.copyOf(lat, ok);
        Arrays.sort(v);
        ObjectNode o = Json.object();
        double mean = 0;
        for (long x : v) {
            mean += x;
        }
        mean = ok == 0 ? 0 : mean / ok;
        o.put("mean_latency_ms", VlaHandler.round3(mean / 1e6));
        o.put("median_latency_ms", ok == 0 ? 0 : VlaHandler.round3(v[(ok - 1) / 2] / 1e6));
        o.put("p99_latency_ms", ok == 0 ? 0 : VlaHandler.round3(v[Math.min(ok - 1, (int) Math.ceil(ok * 0.99) - 1)] / 1e6));
        o.put("throughput_qps", VlaHandler.round3(ok / ((t1 - t0) / 1e9)));
        o.put("iterations", n);
        o.put("failed", n - ok);
        o.put("latency_measures", "session submit to result, sequential");
        return o;
    }
}
