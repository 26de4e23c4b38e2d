package io.github.streaminfer.transport.internal.detection;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.streaminfer.session.SubmitStatus;
import io.github.streaminfer.transport.AccessPolicy;
import io.github.streaminfer.transport.CloseCodes;
import io.github.streaminfer.transport.detection.DetectionEndpoint;
import io.github.streaminfer.transport.detection.DetectionSettings;
import io.github.streaminfer.transport.internal.http.FrameIds;
import io.github.streaminfer.transport.internal.http.Http;
import io.github.streaminfer.transport.internal.http.Json;
import io.github.streaminfer.transport.internal.http.Outbound;
import io.github.streaminfer.transport.internal.http.ProtocolException;
import io.github.streaminfer.transport.internal.http.ReplyLedger;
import io.github.streaminfer.transport.internal.http.Router;
import io.github.streaminfer.transport.internal.http.ServerContext;
import io.github.streaminfer.transport.internal.http.SessionOpener;
import io.github.streaminfer.transport.internal.http.WsErrors;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.handler.timeout.IdleStateEvent;
import org.slf4j.Logger;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;

/**
 * The detection WebSocket {@code /stream/detection}: admits a connection, opens its session and passes frames in
 * and results out.
 *
 * <p><b>Note:</b> one handler per connection, on its event loop; results arrive on the session's worker.
 *
 * @param <O> result value type
 */
final class DetectionWebSocket<O> {
    private static final Logger LOG = DetectionService.LOG;
    private static final String ENDPOINT = DetectionService.ENDPOINT;

    private final DetectionService<O> service;
    private final ServerContext server;
    private final DetectionEndpoint<O> endpoint;

    DetectionWebSocket(DetectionService<O> service) {
        this.service = service;
        this.server = service.server;
        this.endpoint = service.endpoint;
    }

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
            Json.onlyFields(q, "query", DetectionService.SETTINGS_FIELDS);
            s = DetectionService.parseSettings(q, endpoint.defaults());
        } catch (ProtocolException e) {
            Http.error(ch, req, HttpResponseStatus.BAD_REQUEST, e.getMessage());
            return null;
        }
        if (p.tier().limitsFps() && s.fpsLimit() > p.tier().maxFps()) {
            Http.error(ch, req, HttpResponseStatus.FORBIDDEN, "fps_limit " + Json.fmt(s.fpsLimit())
                    + " exceeds tier '" + p.tier().name() + "' limit of " + Json.fmt(p.tier().maxFps()));
            return null;
        }
        if (service.overCapacity()) {
            Http.error(ch, req, HttpResponseStatus.SERVICE_UNAVAILABLE, "server holds its maximum of "
                    + endpoint.maxSessions() + " detection sessions");
            return null;
        }
        if (!server.tryAcquireSlot(p)) {
            Http.error(ch, req, HttpResponseStatus.FORBIDDEN, "tier '" + p.tier().name() + "' allows "
                    + p.tier().maxConcurrentSessions() + " concurrent session(s)");
            return null;
        }
        return new WsHandler(new DetectionSession<>(service, p, s, false));
    }

    /** One detection WebSocket connection. */
    final class WsHandler extends SimpleChannelInboundHandler<WebSocketFrame> implements ServerContext.Graceful {
        private final DetectionSession<O> core;
        private final CompletableFuture<Void> done = new CompletableFuture<>();
        private ChannelHandlerContext ctx;
        private boolean ready;
        private ObjectNode pendingMeta;
        private Object pendingMetaId;
        /** Text messages that arrived before {@code connected}; each is answered right after it. */
        private int early;

        WsHandler(DetectionSession<O> core) {
            this.core = core;
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            this.ctx = ctx;
            core.out = new Outbound(ctx.channel());
            core.live.outbound = core.out;
        }

        private void notOpened(String message) {
            sendError(null, message);
            close(CloseCodes.INTERNAL_ERROR, "could not open a session");
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
            if (evt instanceof WebSocketServerProtocolHandler.HandshakeComplete) {
                server.graceful.add(this);
                if (!SessionOpener.open(server, ctx.executor(), () -> {
                    core.open();
                    service.created.incrementAndGet();
                    return core;
                }, new SessionOpener.Outcome<DetectionSession<O>>() {
                    @Override
                    public void opened(DetectionSession<O> c) {
                        WsHandler.this.opened();
                    }

                    @Override
                    public void refused(String message) {
                        notOpened(message);
                    }

                    @Override
                    public void failed() {
                        notOpened("could not open a session");
                    }
                }, LOG, "detection-ws-open", "detection WebSocket")) {
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
            o.set("config", DetectionService.settingsJson(core.settings));
            o.put("timestamp", Json.unixSeconds());
            // connected and the answers to early messages are never conflated: bounded by
            // SessionOpener.MAX_EARLY_MESSAGES + 1
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
                if (frame instanceof TextWebSocketFrame && ++early > SessionOpener.MAX_EARLY_MESSAGES) {
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
                        service.reconfigure(core, s);
                        ObjectNode o = Json.object();
                        o.put("type", "config_updated");
                        o.set("config", DetectionService.settingsJson(s));
                        o.set("applied", service.applied());
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
