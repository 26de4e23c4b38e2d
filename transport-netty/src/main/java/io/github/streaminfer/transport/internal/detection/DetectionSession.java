package io.github.streaminfer.transport.internal.detection;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.streaminfer.session.InferenceResult;
import io.github.streaminfer.session.LatencySnapshot;
import io.github.streaminfer.session.ResultListener;
import io.github.streaminfer.session.SessionStats;
import io.github.streaminfer.session.Stage;
import io.github.streaminfer.session.StreamingInferenceSession;
import io.github.streaminfer.session.SubmitStatus;
import io.github.streaminfer.transport.AccessPolicy;
import io.github.streaminfer.transport.SessionRequest;
import io.github.streaminfer.transport.detection.DetectionEndpoint;
import io.github.streaminfer.transport.detection.DetectionImage;
import io.github.streaminfer.transport.detection.DetectionSettings;
import io.github.streaminfer.transport.detection.DetectionSink;
import io.github.streaminfer.transport.internal.http.ClusterRouting;
import io.github.streaminfer.transport.internal.http.FrameIds;
import io.github.streaminfer.transport.internal.http.Http;
import io.github.streaminfer.transport.internal.http.EncodedImages;
import io.github.streaminfer.transport.internal.http.Json;
import io.github.streaminfer.transport.internal.http.LiveSession;
import io.github.streaminfer.transport.internal.http.Outbound;
import io.github.streaminfer.transport.internal.http.ProtocolException;
import io.github.streaminfer.transport.internal.http.RateGate;
import io.github.streaminfer.transport.internal.http.ReplyLedger;
import io.github.streaminfer.transport.internal.http.ServerContext;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import org.slf4j.Logger;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One detection session, shared by the WebSocket and REST front ends: opens and closes the core session, checks and
 * submits images, encodes results and answers the frames it owes.
 *
 * <p><b>Note:</b> images arrive on event loops; results are encoded on the session's worker; open and close run on
 * the blocking executor.
 *
 * @param <O> result value type
 */
final class DetectionSession<O> implements ResultListener<O>, DetectionSink {
    private static final Logger LOG = DetectionService.LOG;
    private static final String ENDPOINT = DetectionService.ENDPOINT;

    private final DetectionService<O> service;
    private final ServerContext server;
    private final DetectionEndpoint<O> endpoint;
    final LiveSession live;
    final AccessPolicy.Principal principal;
    final FrameIds frameIds = new FrameIds();
    final RateGate gate;
    final boolean sse;
    volatile DetectionSettings settings;
    volatile StreamingInferenceSession<DetectionImage, O> session;
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

    DetectionSession(DetectionService<O> service, AccessPolicy.Principal principal, DetectionSettings settings,
                     boolean sse) {
        this.service = service;
        this.server = service.server;
        this.endpoint = service.endpoint;
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
        StreamingInferenceSession<DetectionImage, O> s = endpoint.factory().open(req, this);
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
        DetectionImage frame;
        try {
            byte[] img = binary;
            if (img == null) {
                img = EncodedImages.decodeBase64("image_data", Json.requiredText(msg, "image_data"),
                        server.messages.maxImageBytes());
            }
            EncodedImages.checkBytes(img.length, server.messages.maxImageBytes());
            EncodedImages.Info info = EncodedImages.probe(img, img.length, server.limits.maxImagePixels());
            frame = new DetectionImage(ByteBuffer.wrap(img), info.format(), info.width(), info.height());
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
                service.framesProcessed.incrementAndGet();
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
                g.writeStringField("error", Json.failureMessage(r));
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
        Json.onlyFields(p, "config", DetectionService.SETTINGS_FIELDS);
        DetectionSettings s = DetectionService.parseSettings(p, settings);
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
        o.put("uptime_seconds", Json.round3(live.uptimeSeconds()));
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
        o.put("actual_fps", st == null ? 0 : Json.round3(st.actualFps()));
        o.put("avg_processing_time_ms", Json.round3(live.avgLatencyMillis()));
        LatencySnapshot e2e = st == null ? LatencySnapshot.EMPTY : st.latency(Stage.END_TO_END);
        o.put("p99_inference_pipeline_ms", Json.round3(LatencySnapshot.millis(e2e.p99Nanos())));
        o.put("queue_size", st == null ? 0 : st.queued());
        o.put("event_stream_connected", ob != null && ob.channel().isActive());
        o.set("config", DetectionService.settingsJson(settings));
        return o;
    }

    /** Blocking: drains (bounded) and closes; a session still opening is closed once it exists. */
    void close(String reason) {
        StreamingInferenceSession<DetectionImage, O> s;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            s = session;
        }
        if (service.rest.remove(live.id(), this)) {
            ClusterRouting.removed(server, live.id());
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
