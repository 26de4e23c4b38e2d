package io.github.streaminfer.transport.internal.vla;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.streaminfer.session.IngressPolicy;
import io.github.streaminfer.session.StreamingInferenceSession;
import io.github.streaminfer.transport.AccessPolicy;
import io.github.streaminfer.transport.CloseCodes;
import io.github.streaminfer.transport.SessionRequest;
import io.github.streaminfer.transport.internal.http.Json;
import io.github.streaminfer.transport.internal.http.LiveSession;
import io.github.streaminfer.transport.internal.http.PreAuthFrameGuard;
import io.github.streaminfer.transport.internal.http.ProtocolException;
import io.github.streaminfer.transport.internal.http.RateGate;
import io.github.streaminfer.transport.internal.http.ReplyLedger;
import io.github.streaminfer.transport.internal.http.ServerContext;
import io.github.streaminfer.transport.internal.http.SessionOpener;
import io.github.streaminfer.transport.internal.http.WsErrors;
import io.github.streaminfer.transport.vla.VlaEndpoint;
import io.github.streaminfer.transport.vla.VlaFrame;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * The life of one VLA connection: {@code auth}, opening its session (on the blocking executor, through
 * {@link SessionOpener}), and the close, which finishes accepted frames (bounded), answers the rest and sends the
 * final stats. {@link VlaHandler} adds the frames coming in.
 *
 * <p><b>Note:</b> event loop only, except {@link #shutdown}, which any thread may call.
 *
 * @param <O> result value type
 */
abstract class VlaConnection<O> extends VlaReplies<O> {

    VlaConnection(ServerContext server, VlaEndpoint<O> endpoint) {
        super(server, endpoint);
    }

    /** A text message came while a frame_metadata waited for its image: that frame is discarded. */
    void discardPendingFrame() {
        PendingFrame p = takePendingFrame();
        if (p != null) {
            invalid();
            sendError(p.replyId(), "out_of_order", "expected the binary image for frame_metadata "
                    + p.described() + ", got a text message; that frame is discarded");
        }
    }

    /** The connection closes while a frame_metadata waits for its image: that frame is answered. Event loop only. */
    void abandonPendingFrame() {
        PendingFrame p = takePendingFrame();
        if (p != null) {
            refused();
            sendError(p.replyId(), "session_closed", "session closed before the binary image of "
                    + p.described() + " arrived");
        }
    }

    /** A frame_metadata that lost its image: the id its reply carries, and how error messages name it. */
    private record PendingFrame(Object replyId, String described) {
    }

    /**
     * Forgets the frame_metadata waiting for its image and frees its slot.
     *
     * @return that frame, or null if none was waiting
     */
    private PendingFrame takePendingFrame() {
        if (pendingMeta == null && pendingSlot == null) {
            return null;
        }
        long seq = pendingMetaSeq;
        Object id = pendingMetaId;
        if (pendingSlot != null) {
            id = pendingSlot.clientId();
            frames.release(pendingSlot);
        }
        pendingMeta = null;
        pendingSlot = null;
        return new PendingFrame(id != null ? id : seq, describe(id, seq));
    }


    boolean requireActive(Object frameId) {
        if (state == State.ACTIVE) {
            return true;
        }
        if (state == State.OPENING) {
            sendError(frameId, "not_ready", "session is starting; wait for the 'connected' message");
        } else {
            sendError(frameId, "not_authenticated", "not authenticated: send {\"type\": \"auth\", ...} first");
        }
        return false;
    }

    void onAuth(ObjectNode msg) {
        if (state != State.AWAIT_AUTH) {
            sendError(null, "already_authenticated", "already authenticated; one auth per connection");
            return;
        }
        String key;
        String model;
        String robotType;
        double fps;
        boolean smoothing;
        boolean safety;
        double alpha;
        try {
            Json.onlyFields(msg, "auth", AUTH_FIELDS);
            key = Json.text(msg, "api_key", null, 512);
            model = Json.text(msg, "model", endpoint.defaultModel(), 256);
            robotType = Json.text(msg, "robot_type", "franka_panda", 256);
            fps = Json.number(msg, "target_fps", endpoint.defaultTargetFps(), 0.1, 1000);
            smoothing = Json.bool(msg, "enable_smoothing", true);
            safety = Json.bool(msg, "enable_safety", true);
            alpha = Json.number(msg, "smoothing_alpha", 0.3, 0.0, 1.0);
            if (alpha == 0) {
                throw new ProtocolException("invalid_field", "field 'smoothing_alpha' is 0; allowed: (0, 1]");
            }
        } catch (ProtocolException e) {
            protocolError(null, e);
            return;
        }
        AccessPolicy.Principal p = server.access.authenticate(key);
        if (p == null) {
            server.counter("auth_failures_total").increment();
            sendError(null, "unauthorized", key == null ? "missing api_key" : "invalid api_key");
            closeWith(CloseCodes.UNAUTHORIZED, key == null ? "missing api_key" : "invalid api_key");
            return;
        }
        if (p.tier().limitsFps() && fps > p.tier().maxFps()) {
            sendError(null, "fps_above_tier", "target_fps " + Json.fmt(fps) + " exceeds tier '" + p.tier().name()
                    + "' limit of " + Json.fmt(p.tier().maxFps()) + " fps; send auth again with a lower target_fps");
            return;
        }
        if (!server.tryAcquireSlot(p)) {
            String why = "tier '" + p.tier().name() + "' allows " + p.tier().maxConcurrentSessions()
                    + " concurrent session(s)";
            sendError(null, "too_many_sessions", why);
            closeWith(CloseCodes.FORBIDDEN, why);
            return;
        }
        if (authTimer != null) {
            authTimer.cancel(false);
        }
        principal = p;
        targetFps = fps;
        gate = new RateGate(p.tier().maxFps(), server.messages.rateCatchUp().toNanos());
        LiveSession ls = server.register(ENDPOINT, p);
        ls.outbound = out;
        ReplyLedger l = new ReplyLedger();
        ls.replies = l;
        ledger = l;
        live = ls;
        Map<String, Object> options = new LinkedHashMap<>();
        options.put("robot_type", robotType);
        options.put("enable_smoothing", smoothing);
        options.put("enable_safety", safety);
        options.put("smoothing_alpha", alpha);
        SessionRequest request = new SessionRequest(ENDPOINT, ls.id(), model, fps, p.tier().maxFps(), p, options);
        Map<String, Object> cfg = new LinkedHashMap<>();
        cfg.put("model", model);
        cfg.put("target_fps", fps);
        cfg.put("smoothing", smoothing);
        cfg.put("safety", safety);
        cfg.put("smoothing_alpha", alpha);
        cfg.put("robot_type", robotType);
        cfg.put("tier", p.tier().name());
        cfg.put("max_fps", p.tier().maxFps());
        connectedConfig = cfg;
        state = State.OPENING;
        if (ctx.pipeline().get(PreAuthFrameGuard.NAME) != null) {
            ctx.pipeline().remove(PreAuthFrameGuard.NAME); // authenticated: frames may be as large as the limits allow
        }
        encoder = endpoint.encoder().forSession(request);
        ls.safety = SafetyProbes.of(encoder);
        if (!SessionOpener.open(server, ctx.executor(), () -> endpoint.factory().open(request, this),
                new SessionOpener.Outcome<StreamingInferenceSession<VlaFrame, O>>() {
                    @Override
                    public void opened(StreamingInferenceSession<VlaFrame, O> s) {
                        VlaConnection.this.opened(s);
                    }

                    @Override
                    public void refused(String message) {
                        openRejected(message);
                    }

                    @Override
                    public void failed() {
                        openFailed("could not open a session (internal error)", CloseCodes.INTERNAL_ERROR);
                    }

                    @Override
                    public void orphaned(StreamingInferenceSession<VlaFrame, O> s) {
                        s.close(); // the event loops have stopped: nobody is left to attach it
                    }
                }, LOG, "vla-open", "VLA session " + request.sessionId())) {
            openFailed("server busy: cannot open a session now", CloseCodes.INTERNAL_ERROR);
        }
    }

    /**
     * The session exists. Whichever of this and {@link #finish} runs last closes it: both run on the event loop, and
     * a session that opens after its connection finished is closed here, never attached.
     */
    void opened(StreamingInferenceSession<VlaFrame, O> s) {
        LiveSession ls = live;
        if (ls == null || state == State.CLOSED) {
            closeSession(s); // the connection finished while the session was opening
            return;
        }
        frames = new VlaFramePool(s.config().ingress().kind() == IngressPolicy.Kind.LATEST_ONLY);
        ledger.open(s.config().ingress().capacity());
        session = s;
        ls.session = s;
        if (state != State.OPENING || !ctx.channel().isActive()) {
            if (state == State.CLOSING) {
                return; // beginClose, or finish once the channel is gone, will find it
            }
            finish(false);
            return;
        }
        state = State.ACTIVE;
        ObjectNode o = Json.object();
        o.put("type", "connected");
        o.put("session_id", live.id());
        o.put("status", "ready");
        o.set("config", Json.MAPPER.valueToTree(connectedConfig));
        sendAlways(o);
    }

    void openRejected(String message) {
        releaseLive();
        if (state == State.OPENING) {
            state = State.AWAIT_AUTH;
            sendError(null, "session_rejected", message);
        }
    }

    void openFailed(String message, int code) {
        releaseLive();
        sendError(null, "internal_error", message);
        closeWith(code, "internal error");
    }

    void releaseLive() {
        LiveSession ls = live;
        if (ls != null) {
            server.unregister(ls);
            server.releaseSlot(principal);
            live = null;
        }
    }

    /**
     * Finishes accepted frames (bounded), answers those that did not finish with {@code session_closed}, sends
     * final stats, closes with {@code code}. Event loop only.
     */
    void beginClose(int code, String reason) {
        if (state == State.CLOSING || state == State.CLOSED) {
            return;
        }
        State before = state;
        state = State.CLOSING;
        if (authTimer != null) {
            authTimer.cancel(false);
        }
        if (before != State.ACTIVE && before != State.OPENING) {
            closeWith(code, reason);
            return;
        }
        abandonPendingFrame();
        long drainNanos = server.limits.closeDrainTimeout().toNanos();
        try {
            server.blocking.execute(() -> {
                StreamingInferenceSession<VlaFrame, O> s = awaitSession(drainNanos);
                if (s != null) {
                    s.drainAndClose(drainNanos, TimeUnit.NANOSECONDS);
                    answerOwed(ledger);
                }
                ctx.executor().execute(() -> {
                    out.flushPending();
                    if (session != null && ctx.channel().isActive()) {
                        sendAlways(statsJson(true));
                    }
                    closeWith(code, reason);
                });
            });
        } catch (RejectedExecutionException e) {
            closeWith(code, reason);
        }
    }

    StreamingInferenceSession<VlaFrame, O> awaitSession(long nanos) {
        long deadline = System.nanoTime() + nanos;
        StreamingInferenceSession<VlaFrame, O> s;
        while ((s = session) == null && live != null && System.nanoTime() - deadline < 0) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return s;
    }

    void closeWith(int code, String reason) {
        state = State.CLOSING;
        if (ctx.channel().isActive()) {
            ctx.writeAndFlush(new CloseWebSocketFrame(code, reason)).addListener(ChannelFutureListener.CLOSE);
        } else {
            ctx.close();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        finish(true);
        super.channelInactive(ctx);
    }

    void finish(boolean channelGone) {
        state = State.CLOSED;
        if (authTimer != null) {
            authTimer.cancel(false);
        }
        StreamingInferenceSession<VlaFrame, O> s = session;
        LiveSession ls = live;
        if (ls != null) {
            live = null;
            server.unregister(ls);
            server.releaseSlot(principal);
        }
        closeSession(s);
        if (channelGone) {
            out.dispose();
            server.graceful.remove(this);
            closed.complete(null);
        }
    }

    /** Closes a session on the blocking executor (here if that is shut down); null and closed ones are skipped. */
    void closeSession(StreamingInferenceSession<VlaFrame, O> s) {
        if (s != null && !s.isClosed()) {
            try {
                server.blocking.execute(s::close);
            } catch (RejectedExecutionException e) {
                s.close();
            }
        }
    }

    @Override
    public CompletableFuture<Void> shutdown() {
        ctx.executor().execute(() -> beginClose(CloseCodes.GOING_AWAY, "server shutting down"));
        return closed;
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        WsErrors.handle(ctx, cause, server, LOG, ENDPOINT);
    }
}
