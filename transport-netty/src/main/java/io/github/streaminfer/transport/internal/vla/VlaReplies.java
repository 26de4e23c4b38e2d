package io.github.streaminfer.transport.internal.vla;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.streaminfer.session.InferenceResult;
import io.github.streaminfer.session.ResultListener;
import io.github.streaminfer.session.SessionStats;
import io.github.streaminfer.session.StreamingInferenceSession;
import io.github.streaminfer.transport.AccessPolicy;
import io.github.streaminfer.transport.ActionEncoder;
import io.github.streaminfer.transport.ActionOut;
import io.github.streaminfer.transport.internal.http.FrameIds;
import io.github.streaminfer.transport.internal.http.Json;
import io.github.streaminfer.transport.internal.http.LiveSession;
import io.github.streaminfer.transport.internal.http.Outbound;
import io.github.streaminfer.transport.internal.http.ProtocolException;
import io.github.streaminfer.transport.internal.http.RateGate;
import io.github.streaminfer.transport.internal.http.ReplyLedger;
import io.github.streaminfer.transport.internal.http.ServerContext;
import io.github.streaminfer.transport.vla.VlaEndpoint;
import io.github.streaminfer.transport.vla.VlaFrame;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.LongAdder;

/**
 * The replies of one VLA connection: its state, the {@code action} replies the session's worker writes, the
 * {@code error} replies, the answers to frames dropped or owed, and the stats. {@link VlaConnection} adds the
 * connection's life (auth, session, close) and {@link VlaHandler} the frames coming in.
 *
 * <p><b>Note:</b> {@link #onResult} runs on the session's worker; everything else on the connection's event loop,
 * except {@link #answerOwed}, which any thread may call.
 *
 * @param <O> result value type
 */
abstract class VlaReplies<O> extends SimpleChannelInboundHandler<WebSocketFrame>
        implements ResultListener<O>, ServerContext.Graceful {
    static final Logger LOG = LoggerFactory.getLogger(VlaHandler.class);
    static final String ENDPOINT = "vla";
    static final Set<String> AUTH_FIELDS = Set.of("type", "api_key", "model", "robot_type", "target_fps",
            "enable_smoothing", "enable_safety", "smoothing_alpha");

    enum State { CONNECTING, AWAIT_AUTH, OPENING, ACTIVE, CLOSING, CLOSED }

    final ServerContext server;
    final VlaEndpoint<O> endpoint;
    final ActionOut action = new ActionOut();
    /** Writes results and the errors of frames dropped unread: the session's worker only. */
    final ActionMessageWriter replies = new ActionMessageWriter();
    /** Writes the "Frame queue full" errors the event loop sends. */
    final ActionMessageWriter loopReplies = new ActionMessageWriter();
    final LongAdder supersededErrors;
    final LongAdder queueFullErrors;
    final LongAdder rateLimitedErrors;
    volatile ActionEncoder<O> encoder;
    final FrameIds frameIds = new FrameIds();
    final CompletableFuture<Void> closed = new CompletableFuture<>();
    ChannelHandlerContext ctx;
    Outbound out;
    State state = State.CONNECTING;
    ScheduledFuture<?> authTimer;
    long frameSeq;
    final FrameMessageReader reader;
    /** Byte budget of one encoded image: {@link io.github.streaminfer.transport.MessageLimits#maxImageBytes()}. */
    final int maxImageBytes;
    /** Pixel budget of one image: the policy budget within the server's image limit. */
    final long maxImagePixels;
    /** The connection's frames; created with the session, used by the worker's {@link #onResult}. */
    volatile VlaFramePool frames;
    /** A frame_metadata waiting for its image: read by the reader (pendingSlot) or as a tree (pendingMeta). */
    VlaFramePool.Slot pendingSlot;
    ObjectNode pendingMeta;
    long pendingMetaSeq;
    Object pendingMetaId;
    RateGate gate;
    double targetFps;
    AccessPolicy.Principal principal;
    volatile LiveSession live;
    volatile StreamingInferenceSession<VlaFrame, O> session;
    /** The session's owed replies and reply counts; a new one per auth. */
    volatile ReplyLedger ledger;
    Map<String, Object> connectedConfig;

    /**
     * @param server   server state
     * @param endpoint the endpoint
     */
    VlaReplies(ServerContext server, VlaEndpoint<O> endpoint) {
        this.server = server;
        this.endpoint = endpoint;
        this.maxImageBytes = Math.min(server.limits.maxWebSocketFrameBytes(), server.messages.maxImageBytes());
        this.maxImagePixels = Math.min(server.limits.maxImagePixels(), server.messages.maxPolicyImagePixels());
        this.reader = new FrameMessageReader(maxImageBytes, maxImagePixels, endpoint.maxStateLength(),
                FrameTreeReader.MAX_STATE);
        this.supersededErrors = errorCounter(ReplyLedger.SUPERSEDED);
        this.queueFullErrors = errorCounter(ReplyLedger.QUEUE_FULL);
        this.rateLimitedErrors = errorCounter(ReplyLedger.RATE_LIMITED);
    }

    LongAdder errorCounter(String code) {
        return server.counter("errors_sent_total{endpoint=\"vla\",code=\"" + code + "\"}");
    }

    /**
     * Answers a frame the event loop dropped (rate limit, full queue) or knows the session dropped (replaced):
     * "Frame queue full" with the reason's code, written through the pooled writer.
     */
    void dropped(long seq, LongAdder count, String code, LongAdder errors) {
        count.increment();
        errors.increment();
        sendDropped(loopReplies, seq, code);
    }

    /** Writes a "Frame queue full" error with {@code writer}, which belongs to the calling thread. */
    void sendDropped(ActionMessageWriter writer, long seq, String code) {
        if (!ctx.channel().isActive()) {
            return;
        }
        ByteBuf msg;
        try {
            msg = writer.error(ctx.alloc(), frameIds, seq, code, ReplyLedger.QUEUE_FULL_MESSAGE);
        } catch (IOException | RuntimeException e) {
            LOG.debug("VLA: could not encode the error of frame {}", seq, e);
            return;
        }
        out.send(new TextWebSocketFrame(msg));
    }

    /**
     * Answers every frame still owed with {@code session_closed}: once the session has closed or failed, nothing
     * else will. Any thread; the worker, should it still publish, finds its frame claimed and sends nothing.
     */
    void answerOwed(ReplyLedger l) {
        for (long seq; (seq = l.claimBefore(Long.MAX_VALUE)) != 0; ) {
            l.refused.increment();
            sendError(frameIds.get(seq), "session_closed", "session closed before the frame was inferred");
        }
    }

    // ------------------------------------------------------------------------------------------------ results

    @Override
    public void onResult(InferenceResult<O> r) {
        long seq = r.frameId();
        try {
            ReplyLedger l = ledger;
            // the session takes frames in submission order: every earlier frame still owed was dropped unread
            // (consumed by the task without a result, or replaced by a submit that has not claimed it yet)
            for (long d; (d = l.claimBefore(seq)) != 0; ) {
                l.superseded.increment();
                supersededErrors.increment();
                sendDropped(replies, d, ReplyLedger.SUPERSEDED);
            }
            if (l.claim(seq)) {
                sendResult(r, l);
            }
        } finally {
            VlaFramePool f = frames;
            if (f != null) {
                f.completed(seq); // the session is done with this frame and every earlier one
            }
        }
    }

    void sendResult(InferenceResult<O> r, ReplyLedger l) {
        LiveSession ls = live;
        long latency = r.publishedNanos() - r.captureNanos();
        ByteBuf msg;
        try {
            if (r.isSuccess()) {
                action.clear();
                encoder.encode(r, action);
                msg = replies.action(ctx.alloc(), frameIds, r.frameId(), System.currentTimeMillis(), action, latency);
                l.actions.increment();
                if (ls != null) {
                    ls.latencySumNanos.add(latency);
                    ls.latencyCount.increment();
                }
                server.latency.recordValue(Math.max(0, latency));
            } else {
                String code = r.failure() == InferenceResult.Failure.INVALID_INPUT ? "invalid_input"
                        : "inference_failed";
                msg = replies.error(ctx.alloc(), frameIds, r.frameId(), code, Json.failureMessage(r));
                l.failed.increment();
            }
        } catch (IOException | RuntimeException e) {
            l.failed.increment();
            server.warnings.warn(LOG, "vla-encode", "VLA session {}: could not encode the result of frame {}",
                    ls == null ? "?" : ls.id(), r.frameId(), e);
            ObjectNode o = Json.object();
            o.put("type", "error");
            o.put("code", "internal_error");
            o.put("message", "could not encode the result (internal error)");
            Object id = frameIds.get(r.frameId());
            if (id instanceof String s) {
                o.put("frame_id", s);
            } else {
                o.put("frame_id", ((Number) id).longValue());
            }
            out.send(new TextWebSocketFrame(Json.encode(ctx.alloc(), o)));
            return;
        }
        out.send(new TextWebSocketFrame(msg));
    }

    // ------------------------------------------------------------------------------------------------ stats & close

    ObjectNode statsJson(boolean last) {
        LiveSession ls = live;
        SessionStats st = session.stats();
        ReplyLedger l = ledger;
        long total = ls.framesReceived.sum();
        ObjectNode o = Json.object();
        o.put("type", "stats");
        o.put("session_id", ls.id());
        o.put("runtime_seconds", Json.round3(st.runtimeSeconds()));
        o.put("total_frames", total);
        l.putDropped(o, total);
        o.put("target_fps", targetFps);
        o.put("actual_fps", Json.round3(st.actualFps()));
        o.put("avg_latency_ms", Json.round3(ls.avgLatencyMillis()));
        o.put("frame_queue_size", st.queued());
        o.put("action_queue_size", out.waiting());
        l.putBreakdown(o, total, ls.invalidFrames.sum(), "actions_sent");
        o.put("actions_superseded", out.conflated());
        if (last) {
            o.put("final", true);
        }
        return o;
    }

    // ------------------------------------------------------------------------------------------------ errors

    void invalid() {
        LiveSession ls = live;
        if (ls != null) {
            ls.invalidFrames.increment();
        }
        server.counter("invalid_frames_total{endpoint=\"vla\"}").increment();
    }

    /** Counts a frame answered with not_ready, not_authenticated or session_closed. */
    void refused() {
        ReplyLedger l = ledger;
        if (live != null && l != null) {
            l.refused.increment();
        }
    }

    void protocolError(Object frameId, ProtocolException e) {
        sendError(frameId, e.code(), e.getMessage());
    }

    void sendError(Object frameId, String code, String message) {
        server.counter("errors_sent_total{endpoint=\"vla\",code=\"" + code + "\"}").increment();
        ObjectNode o = Json.object();
        o.put("type", "error");
        o.put("code", code);
        o.put("message", message);
        if (frameId instanceof String s) {
            o.put("frame_id", s);
        } else if (frameId instanceof Number n) {
            o.put("frame_id", n.longValue());
        }
        send(o);
    }

    /** Replies and errors: written at once while the client reads, conflated (newest wins) while it does not. */
    void send(ObjectNode o) {
        if (ctx.channel().isActive()) {
            out.send(new TextWebSocketFrame(Json.encode(ctx.alloc(), o)));
        }
    }

    /** Messages that must not be dropped (connected, final stats): bounded, one per session. */
    void sendAlways(ObjectNode o) {
        if (ctx.channel().isActive()) {
            ctx.writeAndFlush(new TextWebSocketFrame(Json.encode(ctx.alloc(), o)), ctx.voidPromise());
        }
    }

    static String describe(Object id, long seq) {
        return id != null ? "frame_id " + id : "frame " + seq;
    }
}
