package io.github.streaminfer.transport.internal;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.streaminfer.session.InferenceResult;
import io.github.streaminfer.session.LatencySnapshot;
import io.github.streaminfer.session.ResultListener;
import io.github.streaminfer.session.SessionStats;
import io.github.streaminfer.session.Stage;
import io.github.streaminfer.session.StreamingInferenceSession;
import io.github.streaminfer.session.SubmitStatus;
import io.github.streaminfer.transport.AccessPolicy;
import io.github.streaminfer.transport.CloseCodes;
import io.github.streaminfer.transport.DetectionEndpoint;
import io.github.streaminfer.transport.DetectionSettings;
import io.github.streaminfer.transport.DetectionSink;
import io.github.streaminfer.transport.ImageFrame;
import io.github.streaminfer.transport.SessionRejectedException;
import io.github.streaminfer.transport.SessionRequest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The OpenVINO seed's detection protocols: the WebSocket {@code /stream/detection} and the REST + SSE session API
 * under {@code /stream}, over one {@link DetectionEndpoint}.
 *
 * <p><b>Note:</b> thread-safe; request handling runs on event loops, session open/close/reconfigure on the blocking
 * executor, results on session workers.
 *
 * @param <O> result value type
 */
public final class DetectionService<O> {
    private static final Logger LOG = LoggerFactory.getLogger(DetectionService.class);
    static final String ENDPOINT = "detection";
    private static final Set<String> SETTINGS_FIELDS = Set.of("fps_limit", "confidence_threshold", "iou_threshold",
            "enable_tracking", "quality_mode", "max_detections");
    private static final Set<String> PROCESS_FIELDS = Set.of("type", "image_data", "frame_id", "timestamp");

    private final ServerContext server;
    private final DetectionEndpoint<O> endpoint;
    private final Map<String, Core> rest = new ConcurrentHashMap<>();
    private final AtomicLong created = new AtomicLong();
    private final AtomicLong framesProcessed = new AtomicLong();
    private ScheduledFuture<?> reaper;

    /**
     * @param server   server state
     * @param endpoint endpoint
     */
    public DetectionService(ServerContext server, DetectionEndpoint<O> endpoint) {
        this.server = server;
        this.endpoint = endpoint;
    }

    /** Starts the idle-session reaper. */
    public void start() {
        long period = Math.max(100, Math.min(1000, server.limits.sessionIdleTimeout().toMillis() / 4));
        reaper = server.group.next().scheduleAtFixedRate(this::reap, period, period, TimeUnit.MILLISECONDS);
    }

    /** Stops the reaper and closes every REST session (blocking, bounded by the drain timeout each). */
    public void stop() {
        if (reaper != null) {
            reaper.cancel(false);
        }
        for (Core c : rest.values()) {
            c.close("server shutting down");
        }
    }

    private void reap() {
        long now = System.nanoTime();
        long limit = server.limits.sessionIdleTimeout().toNanos();
        for (Core c : rest.values()) {
            Outbound o = c.out;
            if ((o == null || !o.channel().isActive()) && now - c.lastActivity > limit) {
                server.counter("sessions_expired_total{endpoint=\"detection\"}").increment();
                try {
                    server.blocking.execute(() -> c.close("idle timeout"));
                } catch (RejectedExecutionException e) {
                    return;
                }
            }
        }
    }

    // ================================================================================================ session core

    /** One detection session, shared by the WebSocket and REST front ends. */
    final class Core implements ResultListener<O>, DetectionSink {
        final LiveSession live;
        final AccessPolicy.Principal principal;
        final FrameIds frameIds = new FrameIds();
        final RateGate gate;
        final boolean sse;
        volatile DetectionSettings settings;
        volatile StreamingInferenceSession<ImageFrame, O> session;
        volatile Outbound out;
        volatile long lastActivity = System.nanoTime();
        volatile boolean closed;
        private final AtomicLong seq = new AtomicLong();
        /** The WebSocket's owed replies (every frame gets exactly one); null for REST sessions. */
        final ReplyLedger ledger;
        /** Set by {@link #submit} (WebSocket only): the frame the queue replaced, whose reply the caller owes; or 0. */
        long superseded;
        // worker-confined encode state
        private JsonGenerator gen;
        private int emitted;
        private IOException encodeError;

        Core(AccessPolicy.Principal principal, DetectionSettings settings, boolean sse) {
            this.principal = principal;
            this.settings = settings;
            this.sse = sse;
            this.gate = new RateGate(effectiveFps(settings.fpsLimit()), server.messages.rateCatchUp().toNanos());
            this.live = server.register(ENDPOINT, principal);
            this.ledger = sse ? null : new ReplyLedger();
            live.replies = ledger;
        }

        double effectiveFps(double fps) {
            return principal.tier().limitsFps() ? Math.min(fps, principal.tier().maxFps()) : fps;
        }

        /** Blocking: opens the session, unless the core closed meanwhile; then the new session is closed at once. */
        void open() {
            SessionRequest req = new SessionRequest(ENDPOINT, live.id(), endpoint.factory().modelName(),
                    0, effectiveFps(settings.fpsLimit()), principal, Map.of(
                    "fps_limit", settings.fpsLimit(), "confidence_threshold", settings.confidenceThreshold(),
                    "iou_threshold", settings.iouThreshold(), "enable_tracking", settings.enableTracking(),
                    "quality_mode", settings.qualityMode(), "max_detections", (long) settings.maxDetections()));
            StreamingInferenceSession<ImageFrame, O> s = endpoint.factory().open(req, this);
            boolean late;
            synchronized (this) { // open and close meet here: a session that opens after the close is closed
                late = closed;
                if (!late) {
                    if (ledger != null) {
                        ledger.open(s.config().ingress().capacity());
                    }
                    session = s;
                    live.session = s;
                }
            }
            if (late) {
                s.close();
            }
        }

        /**
         * Validates and submits one frame.
         *
         * @return the status, never null
         * @throws ProtocolException if the frame is malformed
         */
        SubmitStatus submit(ObjectNode msg, byte[] binary, Object clientId, long arrival) throws ProtocolException {
            lastActivity = arrival;
            live.framesReceived.increment();
            long n = seq.incrementAndGet();
            ImageFrame frame;
            try {
                byte[] img = binary;
                if (img == null) {
                    img = ImageHeaders.decodeBase64("image_data", Json.requiredText(msg, "image_data"),
                            server.messages.maxImageBytes());
                }
                ImageHeaders.checkBytes(img.length, server.messages.maxImageBytes());
                ImageHeaders.Info info = ImageHeaders.probe(img, img.length, server.limits.maxImagePixels());
                frame = new ImageFrame(ByteBuffer.wrap(img), info.format(), info.width(), info.height());
            } catch (ProtocolException e) {
                live.invalidFrames.increment();
                server.counter("invalid_frames_total{endpoint=\"detection\"}").increment();
                throw e;
            }
            frameIds.put(n, clientId);
            if (!gate.tryAcquire(arrival)) {
                live.rateLimited.increment();
                return SubmitStatus.RATE_LIMITED;
            }
            ReplyLedger l = ledger;
            if (l == null) {
                return session.submit(frame, n, arrival);
            }
            superseded = 0;
            int entry = l.record(n);
            if (entry < 0) {
                return SubmitStatus.REJECTED_FULL;
            }
            SubmitStatus status = session.submit(frame, n, arrival);
            if (!status.isAccepted()) {
                l.cancel(entry, n);
            } else if (status == SubmitStatus.REPLACED_OLDEST) {
                // the WebSocket is the session's only producer: the id is the frame this submit dropped, unless the
                // worker answered it first (see onResult)
                long replaced = session.replacedFrameId();
                if (l.claim(replaced)) {
                    superseded = replaced;
                }
            }
            return status;
        }

        /** @return the number of the frame last submitted */
        long lastSeq() {
            return seq.get();
        }

        Object replyId(Object clientId) {
            return clientId != null ? clientId : seq.get();
        }

        @Override
        public void onResult(InferenceResult<O> r) {
            Outbound o = out;
            if (o == null) {
                live.undelivered.increment();
                return;
            }
            ReplyLedger l = ledger;
            if (l != null) {
                // frames are taken in submission order: every earlier frame still owed was dropped unread
                for (long d; (d = l.claimBefore(r.frameId())) != 0; ) {
                    l.superseded.increment();
                    sendError(o, d, ReplyLedger.SUPERSEDED, ReplyLedger.QUEUE_FULL_MESSAGE);
                }
                if (!l.claim(r.frameId())) {
                    return;
                }
                if (r.isSuccess()) {
                    l.actions.increment();
                } else {
                    l.failed.increment();
                }
            }
            long latency = r.publishedNanos() - r.captureNanos();
            ByteBuf buf = o.channel().alloc().buffer(512);
            try (JsonGenerator g = Json.generator(buf)) {
                g.writeStartObject();
                if (r.isSuccess()) {
                    framesProcessed.incrementAndGet();
                    live.latencySumNanos.add(latency);
                    live.latencyCount.increment();
                    server.latency.recordValue(Math.max(0, latency));
                    g.writeStringField("type", "detection_result");
                    g.writeObjectFieldStart("data");
                    frameIds.write(g, r.frameId());
                    g.writeArrayFieldStart("detections");
                    gen = g;
                    emitted = 0;
                    encodeError = null;
                    endpoint.encoder().encode(r.value(), this);
                    gen = null;
                    if (encodeError != null) {
                        throw encodeError;
                    }
                    g.writeEndArray();
                    g.writeNumberField("processing_time_ms", Json.millis(latency));
                    g.writeEndObject();
                } else {
                    g.writeStringField("type", "error");
                    g.writeStringField("error", VlaHandler.failureMessage(r));
                    frameIds.write(g, r.frameId());
                }
                g.writeNumberField("timestamp", Json.unixSeconds());
                g.writeEndObject();
            } catch (IOException | RuntimeException e) {
                gen = null;
                buf.release();
                LOG.debug("detection session {}: could not encode a result", live.id(), e);
                return;
            }
            o.send(sse ? Http.sseEvent(buf) : new TextWebSocketFrame(buf));
        }

        /**
         * Sends a WebSocket {@code error} about frame {@code n} with a code. Any thread.
         */
        void sendError(Outbound o, long n, String code, String message) {
            server.counter("errors_sent_total{endpoint=\"detection\",code=\"" + code + "\"}").increment();
            if (!o.channel().isActive()) {
                return;
            }
            ObjectNode e = Json.object();
            e.put("type", "error");
            e.put("error", message);
            e.put("code", code);
            Object id = frameIds.get(n);
            if (id instanceof String s) {
                e.put("frame_id", s);
            } else {
                e.put("frame_id", ((Number) id).longValue());
            }
            e.put("timestamp", Json.unixSeconds());
            o.send(new TextWebSocketFrame(Json.encode(o.channel().alloc(), e)));
        }

        /** Answers every frame still owed with {@code session_closed}: the session will not. Any thread. */
        void answerOwed() {
            ReplyLedger l = ledger;
            Outbound o = out;
            if (l == null || o == null) {
                return;
            }
            for (long n; (n = l.claimBefore(Long.MAX_VALUE)) != 0; ) {
                l.refused.increment();
                sendError(o, n, "session_closed", "session closed before the frame was inferred");
            }
        }

        @Override
        public void detection(float x1, float y1, float x2, float y2, float confidence, int classId,
                              String className) {
            DetectionSettings s = settings;
            JsonGenerator g = gen;
            if (g == null || confidence < s.confidenceThreshold() || emitted >= s.maxDetections()) {
                return;
            }
            emitted++;
            try {
                g.writeStartObject();
                g.writeArrayFieldStart("bbox");
                g.writeNumber(x1);
                g.writeNumber(y1);
                g.writeNumber(x2);
                g.writeNumber(y2);
                g.writeEndArray();
                g.writeNumberField("confidence", confidence);
                g.writeNumberField("class_id", classId);
                if (className != null) {
                    g.writeStringField("class_name", className);
                } else {
                    g.writeNullField("class_name");
                }
                g.writeEndObject();
            } catch (IOException e) {
                encodeError = e;
            }
        }

        /**
         * Applies a settings patch.
         *
         * @return the new settings
         */
        DetectionSettings patch(ObjectNode p) throws ProtocolException {
            Json.onlyFields(p, "config", SETTINGS_FIELDS);
            DetectionSettings s = parseSettings(p, settings);
            if (principal.tier().limitsFps() && s.fpsLimit() > principal.tier().maxFps()) {
                throw new ProtocolException("fps_above_tier", "fps_limit " + Json.fmt(s.fpsLimit())
                        + " exceeds tier '" + principal.tier().name() + "' limit of "
                        + Json.fmt(principal.tier().maxFps()));
            }
            settings = s;
            gate.setRate(effectiveFps(s.fpsLimit()));
            return s;
        }

        ObjectNode statsJson() {
            ObjectNode o = Json.object();
            SessionStats st = live.stats();
            o.put("session_id", live.id());
            o.put("client_id", live.id());
            o.put("uptime_seconds", VlaHandler.round3(live.uptimeSeconds()));
            o.put("frames_received", live.framesReceived.sum());
            o.put("frames_processed", st == null ? 0 : st.inferred());
            ReplyLedger l = ledger;
            if (l != null) {
                // the WebSocket: frames_dropped counts its "Frame queue full" errors
                o.put("frames_dropped", l.dropped());
                l.putBreakdown(o, live.framesReceived.sum(), live.invalidFrames.sum(), "results_with_frame");
            } else {
                long dropped = live.rateLimited.sum()
                        + (st == null ? 0 : st.dropped() + st.rejected() + st.rateLimited());
                o.put("frames_dropped", dropped);
                o.put("invalid_frames", live.invalidFrames.sum());
                o.put("failed_frames", st == null ? 0 : st.failed());
            }
            Outbound ob = out;
            o.put("results_sent", ob == null ? 0 : ob.sent());
            o.put("results_superseded", ob == null ? 0 : ob.conflated());
            o.put("results_undelivered", live.undelivered.sum());
            o.put("actual_fps", st == null ? 0 : VlaHandler.round3(st.actualFps()));
            o.put("avg_processing_time_ms", VlaHandler.round3(live.avgLatencyMillis()));
            LatencySnapshot e2e = st == null ? LatencySnapshot.EMPTY : st.latency(Stage.END_TO_END);
            o.put("p99_inference_pipeline_ms", VlaHandler.round3(LatencySnapshot.millis(e2e.p99Nanos())));
            o.put("queue_size", st == null ? 0 : st.queued());
            o.put("event_stream_connected", ob != null && ob.channel().isActive());
            o.set("config", settingsJson(settings));
            return o;
        }

        /** Blocking: drains (bounded) and closes; a session still opening is closed once it exists. */
        void close(String reason) {
            StreamingInferenceSession<ImageFrame, O> s;
            synchronized (this) {
                if (closed) {
                    return;
                }
                closed = true;
                s = session;
            }
            if (rest.remove(live.id(), this)) {
                ClusterRouting.removed(server, live.id()); // cluster hook: withdraw the REST session
            }
            if (s != null) {
                s.drainAndClose(server.limits.closeDrainTimeout().toNanos(), TimeUnit.NANOSECONDS);
                answerOwed();
            }
            server.unregister(live);
            server.releaseSlot(principal);
            Outbound o = out;
            if (o != null && sse && o.channel().isActive()) {
                ObjectNode ev = Json.object();
                ev.put("type", "closed");
                ev.put("reason", reason);
                ev.put("timestamp", Json.unixSeconds());
                Channel ch = o.channel();
                ch.eventLoop().execute(() -> {
                    o.flushPending();
                    ch.write(Http.sseEvent(Json.encode(ch.alloc(), ev)));
                    ch.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT).addListener(ChannelFutureListener.CLOSE);
                });
            }
        }
    }

    static DetectionSettings parseSettings(ObjectNode p, DetectionSettings base) throws ProtocolException {
        double fps = Json.number(p, "fps_limit", base.fpsLimit(), 1, 1000);
        double conf = Json.number(p, "confidence_threshold", base.confidenceThreshold(), 0, 1);
        double iou = Json.number(p, "iou_threshold", base.iouThreshold(), 0, 1);
        boolean tracking = Json.bool(p, "enable_tracking", base.enableTracking());
        String quality = Json.text(p, "quality_mode", base.qualityMode(), 32);
        if (!DetectionSettings.QUALITY_MODES.contains(quality)) {
            throw new ProtocolException("invalid_field", "field 'quality_mode' is '" + Json.truncate(quality, 32)
                    + "'; allowed: fast, balanced, accurate");
        }
        double max = Json.number(p, "max_detections", base.maxDetections(), 1, 1000);
        if (max != Math.rint(max)) {
            throw new ProtocolException("invalid_field", "field 'max_detections' is " + max + "; allowed: an integer");
        }
        return new DetectionSettings(fps, conf, iou, tracking, quality, (int) max);
    }

    static ObjectNode settingsJson(DetectionSettings s) {
        ObjectNode o = Json.object();
        o.put("fps_limit", s.fpsLimit());
        o.put("confidence_threshold", s.confidenceThreshold());
        o.put("iou_threshold", s.iouThreshold());
        o.put("enable_tracking", s.enableTracking());
        o.put("quality_mode", s.qualityMode());
        o.put("max_detections", s.maxDetections());
        return o;
    }

    private void reconfigure(Core c, DetectionSettings s) {
        DetectionEndpoint.Reconfigurer<O> r = endpoint.reconfigurer();
        StreamingInferenceSession<ImageFrame, O> session = c.session;
        if (r != null && session != null) {
            server.blocking.execute(() -> {
                try {
                    r.apply(session, s);
                } catch (RuntimeException e) {
                    server.warnings.warn(LOG, "detection-reconfigure", "detection session {}: reconfiguration failed",
                            c.live.id(), e);
                }
            });
        }
    }

    private ArrayNode applied() {
        ArrayNode a = Json.MAPPER.createArrayNode();
        a.add("fps_limit").add("confidence_threshold").add("max_detections");
        if (endpoint.reconfigurer() != null) {
            a.add("iou_threshold").add("enable_tracking").add("quality_mode");
        }
        return a;
    }

    private boolean overCapacity() {
        return server.activeSessions(ENDPOINT) >= endpoint.maxSessions();
    }

    // ================================================================================================ REST + SSE

    /** @return the HTTP routes under {@code /stream} */
    public Router.HttpRoutes routes() {
        return this::route;
    }

    private boolean route(ChannelHandlerContext ctx, FullHttpRequest req, String path, QueryStringDecoder query) {
        if (!path.startsWith("/stream/") || path.equals("/stream/detection")) {
            return false;
        }
        Channel ch = ctx.channel();
        HttpMethod m = req.method();
        String[] parts = path.substring(1).split("/", -1);
        if (path.equals("/stream/health")) {
            if (!methodIs(ch, req, HttpMethod.GET)) {
                return true;
            }
            ObjectNode o = Json.object();
            o.put("status", endpoint.factory().isAvailable() ? "healthy" : "unavailable");
            o.put("model", endpoint.factory().modelName());
            o.put("backend", endpoint.factory().backendId());
            o.put("active_sessions", server.activeSessions(ENDPOINT));
            o.put("max_sessions", endpoint.maxSessions());
            o.put("timestamp", Json.unixSeconds());
            Http.json(ch, req, HttpResponseStatus.OK, o);
            return true;
        }
        if (path.equals("/stream/stats")) {
            if (!methodIs(ch, req, HttpMethod.GET)) {
                return true;
            }
            AccessPolicy.Principal p = Http.authenticate(server, ch, req, query);
            if (p == null) {
                return true;
            }
            ObjectNode o = Json.object();
            o.put("active_sessions", server.activeSessions(ENDPOINT));
            o.put("rest_sessions", rest.size());
            o.put("total_sessions_created", created.get());
            o.put("total_frames_processed", framesProcessed.get());
            o.put("model", endpoint.factory().modelName());
            o.put("backend", endpoint.factory().backendId());
            ArrayNode sessions = o.putArray("sessions");
            for (Core c : rest.values()) {
                if (c.principal.keyId().equals(p.keyId())) {
                    sessions.add(c.statsJson());
                }
            }
            o.put("timestamp", Json.unixSeconds());
            Http.json(ch, req, HttpResponseStatus.OK, o);
            return true;
        }
        if (path.equals("/stream/sessions")) {
            if (!methodIs(ch, req, HttpMethod.POST)) {
                return true;
            }
            createRest(ctx, req, query);
            return true;
        }
        if (parts.length == 3 && parts[1].equals("events")) {
            if (methodIs(ch, req, HttpMethod.GET)) {
                Core c = find(ch, req, query, parts[2]);
                if (c != null) {
                    attachSse(ctx, req, c);
                }
            }
            return true;
        }
        if (parts.length == 3 && parts[1].equals("process")) {
            if (methodIs(ch, req, HttpMethod.POST)) {
                Core c = find(ch, req, query, parts[2]);
                if (c != null) {
                    process(ch, req, query, c);
                }
            }
            return true;
        }
        if (parts.length == 3 && parts[1].equals("sessions")) {
            if (!methodIs(ch, req, HttpMethod.DELETE)) {
                return true;
            }
            Core c = find(ch, req, query, parts[2]);
            if (c != null) {
                server.blocking.execute(() -> {
                    c.close("deleted by client");
                    ObjectNode o = c.statsJson();
                    o.put("status", "closed");
                    ch.eventLoop().execute(() -> Http.json(ch, req, HttpResponseStatus.OK, o));
                });
            }
            return true;
        }
        if (parts.length == 4 && parts[1].equals("sessions") && parts[3].equals("stats")) {
            if (methodIs(ch, req, HttpMethod.GET)) {
                Core c = find(ch, req, query, parts[2]);
                if (c != null) {
                    c.lastActivity = System.nanoTime();
                    Http.json(ch, req, HttpResponseStatus.OK, c.statsJson());
                }
            }
            return true;
        }
        if (parts.length == 4 && parts[1].equals("sessions") && parts[3].equals("config")) {
            if (!m.equals(HttpMethod.PATCH) && !m.equals(HttpMethod.PUT)) {
                methodNotAllowed(ch, req, "PATCH");
                return true;
            }
            Core c = find(ch, req, query, parts[2]);
            if (c == null) {
                return true;
            }
            c.lastActivity = System.nanoTime();
            try {
                DetectionSettings s = c.patch(Json.parseObject(req.content(), server.json));
                reconfigure(c, s);
                ObjectNode o = Json.object();
                o.put("session_id", c.live.id());
                o.set("config", settingsJson(s));
                o.set("applied", applied());
                Http.json(ch, req, HttpResponseStatus.OK, o);
            } catch (ProtocolException e) {
                Http.error(ch, req, e.code().equals("fps_above_tier") ? HttpResponseStatus.FORBIDDEN
                        : HttpResponseStatus.BAD_REQUEST, e.getMessage());
            }
            return true;
        }
        Http.error(ch, req, HttpResponseStatus.NOT_FOUND, "no endpoint at '" + Json.truncate(path, 100) + "'");
        return true;
    }

    private static boolean methodIs(Channel ch, FullHttpRequest req, HttpMethod allowed) {
        if (req.method().equals(allowed)) {
            return true;
        }
        methodNotAllowed(ch, req, allowed.name());
        return false;
    }

    static void methodNotAllowed(Channel ch, FullHttpRequest req, String allowed) {
        Http.error(ch, req, HttpResponseStatus.METHOD_NOT_ALLOWED, "method " + req.method() + " not allowed; use "
                + allowed);
    }

    private Core find(Channel ch, FullHttpRequest req, QueryStringDecoder query, String id) {
        AccessPolicy.Principal p = Http.authenticate(server, ch, req, query);
        if (p == null) {
            return null;
        }
        Core c = rest.get(id);
        if (c == null && ClusterRouting.redirectIfRemote(server, ch, req, id)) { // cluster hook: owned elsewhere
            return null;
        }
        if (c == null || !c.principal.keyId().equals(p.keyId())) {
            Http.error(ch, req, HttpResponseStatus.NOT_FOUND, "no session '" + Json.truncate(id, 64)
                    + "' (it never existed, was deleted or expired after "
                    + server.limits.sessionIdleTimeout().toSeconds() + " s idle)");
            return null;
        }
        return c;
    }

    private void createRest(ChannelHandlerContext ctx, FullHttpRequest req, QueryStringDecoder query) {
        Channel ch = ctx.channel();
        AccessPolicy.Principal p = Http.authenticate(server, ch, req, query);
        if (p == null) {
            return;
        }
        DetectionSettings s;
        try {
            ObjectNode body = req.content().isReadable() ? Json.parseObject(req.content(), server.json) : Json.object();
            Json.onlyFields(body, "session request", SETTINGS_FIELDS);
            s = parseSettings(body, endpoint.defaults());
        } catch (ProtocolException e) {
            Http.error(ch, req, HttpResponseStatus.BAD_REQUEST, e.getMessage());
            return;
        }
        if (p.tier().limitsFps() && s.fpsLimit() > p.tier().maxFps()) {
            Http.error(ch, req, HttpResponseStatus.FORBIDDEN, "fps_limit " + Json.fmt(s.fpsLimit())
                    + " exceeds tier '" + p.tier().name() + "' limit of " + Json.fmt(p.tier().maxFps()));
            return;
        }
        if (overCapacity()) {
            Http.error(ch, req, HttpResponseStatus.SERVICE_UNAVAILABLE, "server holds its maximum of "
                    + endpoint.maxSessions() + " detection sessions; try again later");
            return;
        }
        if (!server.tryAcquireSlot(p)) {
            Http.error(ch, req, HttpResponseStatus.FORBIDDEN, "tier '" + p.tier().name() + "' allows "
                    + p.tier().maxConcurrentSessions() + " concurrent session(s)");
            return;
        }
        Core c = new Core(p, s, true);
        req.retain();
        try {
            server.blocking.execute(() -> {
                try {
                    c.open();
                } catch (SessionRejectedException e) {
                    server.unregister(c.live);
                    server.releaseSlot(p);
                    ch.eventLoop().execute(() -> {
                        Http.error(ch, req, HttpResponseStatus.BAD_REQUEST, e.getMessage());
                        req.release();
                    });
                    return;
                } catch (RuntimeException e) {
                    server.warnings.warn(LOG, "detection-open", "detection session: opening failed", e);
                    server.unregister(c.live);
                    server.releaseSlot(p);
                    ch.eventLoop().execute(() -> {
                        Http.error(ch, req, HttpResponseStatus.INTERNAL_SERVER_ERROR, "could not open a session");
                        req.release();
                    });
                    return;
                }
                rest.put(c.live.id(), c);
                ClusterRouting.registered(server, c.live.id()); // cluster hook: announce the REST session
                created.incrementAndGet();
                String id = c.live.id();
                ObjectNode o = Json.object();
                o.put("session_id", id);
                o.put("client_id", id);
                o.put("status", "created");
                o.put("sse_endpoint", "/stream/events/" + id);
                o.put("upload_endpoint", "/stream/process/" + id);
                o.put("stats_endpoint", "/stream/sessions/" + id + "/stats");
                o.put("config_endpoint", "/stream/sessions/" + id + "/config");
                o.put("idle_timeout_seconds", server.limits.sessionIdleTimeout().toSeconds());
                o.set("config", settingsJson(s));
                ch.eventLoop().execute(() -> {
                    Http.json(ch, req, HttpResponseStatus.CREATED, o);
                    req.release();
                });
            });
        } catch (RejectedExecutionException e) {
            req.release();
            server.unregister(c.live);
            server.releaseSlot(p);
            Http.error(ch, req, HttpResponseStatus.SERVICE_UNAVAILABLE, "server busy");
        }
    }

    private void attachSse(ChannelHandlerContext ctx, FullHttpRequest req, Core c) {
        Channel ch = ctx.channel();
        Outbound existing = c.out;
        if (existing != null && existing.channel().isActive()) {
            Http.error(ch, req, HttpResponseStatus.CONFLICT, "session '" + c.live.id()
                    + "' already has an event stream; close it first");
            return;
        }
        Router router = ctx.pipeline().get(Router.class);
        if (router != null) {
            router.streaming = true;
        }
        Http.startSse(ch);
        Outbound out = new Outbound(ch);
        ch.pipeline().addLast(new WritabilityRelay(out));
        ObjectNode hello = Json.object();
        hello.put("type", "connected");
        hello.put("session_id", c.live.id());
        hello.put("timestamp", Json.unixSeconds());
        ch.writeAndFlush(Http.sseEvent(Json.encode(ch.alloc(), hello)));
        c.out = out;
        c.live.outbound = out;
        c.lastActivity = System.nanoTime();
        long ping = server.limits.ssePingInterval().toNanos();
        ScheduledFuture<?> pinger = ch.eventLoop().scheduleAtFixedRate(() -> {
            ObjectNode o = Json.object();
            o.put("type", "ping");
            o.put("timestamp", Json.unixSeconds());
            if (ch.isActive() && ch.isWritable()) {
                ch.writeAndFlush(Http.sseEvent(Json.encode(ch.alloc(), o)));
            }
        }, ping, ping, TimeUnit.NANOSECONDS);
        ch.closeFuture().addListener(f -> {
            pinger.cancel(false);
            out.dispose();
            if (c.out == out) {
                c.out = null;
            }
            c.lastActivity = System.nanoTime();
        });
    }

    private void process(Channel ch, FullHttpRequest req, QueryStringDecoder query, Core c) {
        long arrival = System.nanoTime();
        String type = req.headers().get(HttpHeaderNames.CONTENT_TYPE, "application/json").toLowerCase();
        Object clientId = null;
        try {
            SubmitStatus status;
            if (type.startsWith("image/")) {
                List<String> q = query.parameters().get("frame_id");
                clientId = q == null || q.isEmpty() ? null : Json.truncate(q.get(0), 128);
                status = c.submit(null, ByteBufUtil.getBytes(req.content()), clientId, arrival);
            } else {
                ObjectNode msg = Json.parseObject(req.content(), server.json);
                Json.onlyFields(msg, "frame", PROCESS_FIELDS);
                clientId = FrameIds.parse(msg.get("frame_id"));
                status = c.submit(msg, null, clientId, arrival);
            }
            Object id = c.replyId(clientId);
            ObjectNode o = Json.object();
            if (id instanceof String s) {
                o.put("frame_id", s);
            } else {
                o.put("frame_id", ((Number) id).longValue());
            }
            switch (status) {
                case ACCEPTED:
                case REPLACED_OLDEST:
                    o.put("status", "accepted");
                    o.put("event_stream_connected", c.out != null);
                    Http.json(ch, req, HttpResponseStatus.ACCEPTED, o);
                    break;
                case REJECTED_FULL:
                    o.put("error", "Frame queue full");
                    Http.json(ch, req, HttpResponseStatus.TOO_MANY_REQUESTS, o);
                    break;
                case RATE_LIMITED:
                    o.put("error", "frame rejected: more than " + Json.fmt(c.gate.rate()) + " frames per second");
                    Http.json(ch, req, HttpResponseStatus.TOO_MANY_REQUESTS, o);
                    break;
                default:
                    o.put("error", "session is closed");
                    Http.json(ch, req, HttpResponseStatus.GONE, o);
            }
        } catch (ProtocolException e) {
            server.counter("errors_sent_total{endpoint=\"detection\",code=\"" + e.code() + "\"}").increment();
            HttpResponseStatus st = e.code().equals("too_large") ? HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE
                    : HttpResponseStatus.BAD_REQUEST;
            Http.error(ch, req, st, e.getMessage());
        }
    }

    /** Passes writability changes of an SSE connection to its {@link Outbound}. */
    static final class WritabilityRelay extends io.netty.channel.ChannelInboundHandlerAdapter {
        private final Outbound out;

        WritabilityRelay(Outbound out) {
            this.out = out;
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
            if (ctx.channel().isWritable()) {
                out.flushPending();
            }
            super.channelWritabilityChanged(ctx);
        }
    }

    // ================================================================================================ WebSocket

    /** @return the WebSocket route {@code /stream/detection} */
    public Router.WsRoute wsRoute() {
        return new Router.WsRoute("/stream/detection", ENDPOINT, () -> null, this::admitWs);
    }

    private ChannelHandler admitWs(ChannelHandlerContext ctx, FullHttpRequest req, QueryStringDecoder query) {
        Channel ch = ctx.channel();
        AccessPolicy.Principal p = Http.authenticate(server, ch, req, query);
        if (p == null) {
            return null;
        }
        DetectionSettings s;
        try {
            ObjectNode q = Json.object();
            for (Map.Entry<String, List<String>> e : query.parameters().entrySet()) {
                if (e.getKey().equals("api_key") || e.getValue().isEmpty()) {
                    continue;
                }
                String v = e.getValue().get(0);
                if (v.equals("true") || v.equals("false")) {
                    q.put(e.getKey(), Boolean.parseBoolean(v));
                } else {
                    try {
                        q.put(e.getKey(), Double.parseDouble(v));
                    } catch (NumberFormatException nfe) {
                        q.put(e.getKey(), v);
                    }
                }
            }
            Json.onlyFields(q, "query", SETTINGS_FIELDS);
            s = parseSettings(q, endpoint.defaults());
        } catch (ProtocolException e) {
            Http.error(ch, req, HttpResponseStatus.BAD_REQUEST, e.getMessage());
            return null;
        }
        if (p.tier().limitsFps() && s.fpsLimit() > p.tier().maxFps()) {
            Http.error(ch, req, HttpResponseStatus.FORBIDDEN, "fps_limit " + Json.fmt(s.fpsLimit())
                    + " exceeds tier '" + p.tier().name() + "' limit of " + Json.fmt(p.tier().maxFps()));
            return null;
        }
        if (overCapacity()) {
            Http.error(ch, req, HttpResponseStatus.SERVICE_UNAVAILABLE, "server holds its maximum of "
                    + endpoint.maxSessions() + " detection sessions");
            return null;
        }
        if (!server.tryAcquireSlot(p)) {
            Http.error(ch, req, HttpResponseStatus.FORBIDDEN, "tier '" + p.tier().name() + "' allows "
                    + p.tier().maxConcurrentSessions() + " concurrent session(s)");
            return null;
        }
        return new WsHandler(new Core(p, s, false));
    }

    /** One detection WebSocket connection. */
    final class WsHandler extends SimpleChannelInboundHandler<WebSocketFrame> implements ServerContext.Graceful {
        private final Core core;
        private final CompletableFuture<Void> done = new CompletableFuture<>();
        private ChannelHandlerContext ctx;
        private boolean ready;
        private ObjectNode pendingMeta;
        private Object pendingMetaId;
        /** Text messages that arrived before {@code connected}; each is answered right after it. */
        private int early;

        WsHandler(Core core) {
            this.core = core;
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            this.ctx = ctx;
            core.out = new Outbound(ctx.channel());
            core.live.outbound = core.out;
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
            if (evt instanceof WebSocketServerProtocolHandler.HandshakeComplete) {
                server.graceful.add(this);
                try {
                    server.blocking.execute(() -> {
                        try {
                            core.open();
                            created.incrementAndGet();
                            ctx.executor().execute(this::opened);
                        } catch (RuntimeException e) {
                            String m = e instanceof SessionRejectedException ? e.getMessage() : "could not open a session";
                            if (!(e instanceof SessionRejectedException)) {
                                server.warnings.warn(LOG, "detection-ws-open", "detection WebSocket: opening failed",
                                        e);
                            }
                            ctx.executor().execute(() -> {
                                sendError(null, m);
                                close(CloseCodes.INTERNAL_ERROR, "could not open a session");
                            });
                        }
                    });
                } catch (RejectedExecutionException e) {
                    close(CloseCodes.INTERNAL_ERROR, "server busy");
                }
                return;
            }
            if (evt instanceof IdleStateEvent) {
                close(CloseCodes.TIMEOUT, "idle timeout");
                return;
            }
            super.userEventTriggered(ctx, evt);
        }

        private void opened() {
            if (!ctx.channel().isActive()) {
                server.blocking.execute(() -> core.close("disconnected"));
                return;
            }
            ready = true;
            ObjectNode o = Json.object();
            o.put("type", "connected");
            o.put("session_id", core.live.id());
            o.set("config", settingsJson(core.settings));
            o.put("timestamp", Json.unixSeconds());
            // connected and the answers to early messages are never conflated: bounded by MAX_EARLY + 1
            ctx.write(new TextWebSocketFrame(Json.encode(ctx.alloc(), o)), ctx.voidPromise());
            for (; early > 0; early--) {
                ObjectNode e = Json.object();
                e.put("type", "error");
                e.put("error", "message arrived before the 'connected' message; it was not processed "
                        + "(wait for 'connected')");
                e.put("timestamp", Json.unixSeconds());
                ctx.write(new TextWebSocketFrame(Json.encode(ctx.alloc(), e)), ctx.voidPromise());
            }
            ctx.flush();
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
            if (ctx.channel().isWritable()) {
                core.out.flushPending();
            }
            super.channelWritabilityChanged(ctx);
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
            long arrival = System.nanoTime();
            server.counter("messages_received_total{endpoint=\"detection\"}").increment();
            if (!ready) {
                // connected comes first: a text message is answered once it has gone out; the binary image of an
                // early frame_metadata is answered with it
                if (frame instanceof TextWebSocketFrame && ++early > OpenPiHandler.MAX_EARLY) {
                    close(CloseCodes.PROTOCOL_ERROR, "too many messages before the 'connected' message");
                }
                return;
            }
            if (frame instanceof BinaryWebSocketFrame) {
                if (pendingMeta == null) {
                    sendError(null, "binary message without a preceding frame_metadata message");
                    return;
                }
                pendingMeta = null;
                submit(null, ByteBufUtil.getBytes(frame.content()), pendingMetaId, arrival);
                return;
            }
            if (!(frame instanceof TextWebSocketFrame)) {
                return;
            }
            if (pendingMeta != null) {
                sendError(pendingMetaId, "expected the binary image after frame_metadata, got a text message; "
                        + "that frame is discarded");
                pendingMeta = null;
            }
            ObjectNode msg;
            try {
                msg = Json.parseObject(frame.content(), server.json);
                String type = Json.requiredText(msg, "type");
                switch (type) {
                    case "frame":
                        Object id = FrameIds.parse(msg.get("frame_id"));
                        submit(msg, null, id, arrival);
                        break;
                    case "frame_metadata":
                        Object mid = FrameIds.parse(msg.get("frame_id"));
                        if (mid == null && msg.hasNonNull("frameNumber") && msg.get("frameNumber").isIntegralNumber()) {
                            mid = msg.get("frameNumber").longValue();
                        }
                        pendingMeta = msg;
                        pendingMetaId = mid;
                        break;
                    case "config":
                        ObjectNode patch = msg.deepCopy();
                        patch.remove("type");
                        JsonNode inner = patch.get("config");
                        DetectionSettings s = core.patch(inner != null && inner.isObject() ? (ObjectNode) inner : patch);
                        reconfigure(core, s);
                        ObjectNode o = Json.object();
                        o.put("type", "config_updated");
                        o.set("config", settingsJson(s));
                        o.set("applied", applied());
                        send(o);
                        break;
                    case "ping":
                        ObjectNode pong = Json.object();
                        pong.put("type", "pong");
                        pong.put("timestamp", Json.unixSeconds());
                        send(pong);
                        break;
                    case "stats":
                    case "get_stats":
                        ObjectNode st = core.statsJson();
                        st.put("type", "stats");
                        send(st);
                        break;
                    case "performance_stats":
                        break; // viewer feedback (YOLO seed): accepted, no reply
                    default:
                        throw new ProtocolException("unknown_type", "unknown message type '" + Json.truncate(type, 40)
                                + "'; expected one of frame, frame_metadata, config, ping, stats");
                }
            } catch (ProtocolException e) {
                server.counter("errors_sent_total{endpoint=\"detection\",code=\"" + e.code() + "\"}").increment();
                sendError(null, e.getMessage());
            }
        }

        private void submit(ObjectNode msg, byte[] binary, Object id, long arrival) {
            if (!ready) {
                sendError(id, "session is starting; wait for the 'connected' message");
                return;
            }
            try {
                SubmitStatus st = core.submit(msg, binary, id, arrival);
                long n = core.lastSeq();
                ReplyLedger l = core.ledger;
                switch (st) {
                    case ACCEPTED:
                    case REPLACED_OLDEST:
                        if (core.superseded != 0) {
                            l.superseded.increment();
                            core.sendError(core.out, core.superseded, ReplyLedger.SUPERSEDED,
                                    ReplyLedger.QUEUE_FULL_MESSAGE);
                        }
                        break;
                    case REJECTED_FULL:
                        l.queueFull.increment();
                        core.sendError(core.out, n, ReplyLedger.QUEUE_FULL, ReplyLedger.QUEUE_FULL_MESSAGE);
                        break;
                    case RATE_LIMITED:
                        l.rateLimited.increment();
                        core.sendError(core.out, n, ReplyLedger.RATE_LIMITED, ReplyLedger.QUEUE_FULL_MESSAGE);
                        break;
                    default:
                        l.refused.increment();
                        core.sendError(core.out, n, "session_closed", "session is closed");
                        core.answerOwed(); // a failed session will not answer the frames it cleared
                }
            } catch (ProtocolException e) {
                sendError(core.replyId(id), e.getMessage());
            }
        }

        private void sendError(Object frameId, String message) {
            ObjectNode o = Json.object();
            o.put("type", "error");
            o.put("error", message);
            if (frameId instanceof String s) {
                o.put("frame_id", s);
            } else if (frameId instanceof Number n) {
                o.put("frame_id", n.longValue());
            }
            o.put("timestamp", Json.unixSeconds());
            send(o);
        }

        private void send(ObjectNode o) {
            if (ctx.channel().isActive()) {
                core.out.send(new TextWebSocketFrame(Json.encode(ctx.alloc(), o)));
            }
        }

        private void close(int code, String reason) {
            if (ctx.channel().isActive()) {
                ctx.writeAndFlush(new CloseWebSocketFrame(code, reason)).addListener(ChannelFutureListener.CLOSE);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            server.graceful.remove(this);
            try {
                server.blocking.execute(() -> {
                    core.close("disconnected");
                    core.out.dispose();
                    done.complete(null);
                });
            } catch (RejectedExecutionException e) {
                done.complete(null);
            }
            super.channelInactive(ctx);
        }

        @Override
        public CompletableFuture<Void> shutdown() {
            server.blocking.execute(() -> {
                core.close("server shutting down");
                ctx.executor().execute(() -> close(CloseCodes.GOING_AWAY, "server shutting down"));
            });
            return done;
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            WsErrors.handle(ctx, cause, server, LOG, ENDPOINT);
        }
    }
}
