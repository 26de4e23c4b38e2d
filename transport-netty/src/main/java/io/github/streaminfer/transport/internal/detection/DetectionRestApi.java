package io.github.streaminfer.transport.internal.detection;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.streaminfer.session.SubmitStatus;
import io.github.streaminfer.transport.AccessPolicy;
import io.github.streaminfer.transport.detection.DetectionEndpoint;
import io.github.streaminfer.transport.detection.DetectionSettings;
import io.github.streaminfer.transport.internal.http.ClusterRouting;
import io.github.streaminfer.transport.internal.http.FrameIds;
import io.github.streaminfer.transport.internal.http.Http;
import io.github.streaminfer.transport.internal.http.Json;
import io.github.streaminfer.transport.internal.http.Outbound;
import io.github.streaminfer.transport.internal.http.ProtocolException;
import io.github.streaminfer.transport.internal.http.Router;
import io.github.streaminfer.transport.internal.http.ServerContext;
import io.github.streaminfer.transport.internal.http.SessionOpener;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;

import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The detection REST + SSE API under {@code /stream}: create, configure, feed, watch (SSE), read stats of and delete
 * sessions.
 *
 * <p><b>Note:</b> requests are handled on event loops; session open and close run on the blocking executor.
 *
 * @param <O> result value type
 */
final class DetectionRestApi<O> {
    private static final Logger LOG = DetectionService.LOG;
    private static final String ENDPOINT = DetectionService.ENDPOINT;

    private final DetectionService<O> service;
    private final ServerContext server;
    private final DetectionEndpoint<O> endpoint;

    DetectionRestApi(DetectionService<O> service) {
        this.service = service;
        this.server = service.server;
        this.endpoint = service.endpoint;
    }

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
            o.put("rest_sessions", service.rest.size());
            o.put("total_sessions_created", service.created.get());
            o.put("total_frames_processed", service.framesProcessed.get());
            o.put("model", endpoint.factory().modelName());
            o.put("backend", endpoint.factory().backendId());
            ArrayNode sessions = o.putArray("sessions");
            for (DetectionSession<O> c : service.rest.values()) {
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
                DetectionSession<O> c = find(ch, req, query, parts[2]);
                if (c != null) {
                    attachSse(ctx, req, c);
                }
            }
            return true;
        }
        if (parts.length == 3 && parts[1].equals("process")) {
            if (methodIs(ch, req, HttpMethod.POST)) {
                DetectionSession<O> c = find(ch, req, query, parts[2]);
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
            DetectionSession<O> c = find(ch, req, query, parts[2]);
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
                DetectionSession<O> c = find(ch, req, query, parts[2]);
                if (c != null) {
                    c.lastActivity = System.nanoTime();
                    Http.json(ch, req, HttpResponseStatus.OK, c.statsJson());
                }
            }
            return true;
        }
        if (parts.length == 4 && parts[1].equals("sessions") && parts[3].equals("config")) {
            if (!m.equals(HttpMethod.PATCH) && !m.equals(HttpMethod.PUT)) {
                Http.methodNotAllowed(ch, req, "PATCH");
                return true;
            }
            DetectionSession<O> c = find(ch, req, query, parts[2]);
            if (c == null) {
                return true;
            }
            c.lastActivity = System.nanoTime();
            try {
                DetectionSettings s = c.patch(Json.parseObject(req.content(), server.json));
                service.reconfigure(c, s);
                ObjectNode o = Json.object();
                o.put("session_id", c.live.id());
                o.set("config", DetectionService.settingsJson(s));
                o.set("applied", service.applied());
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
        Http.methodNotAllowed(ch, req, allowed.name());
        return false;
    }

    private DetectionSession<O> find(Channel ch, FullHttpRequest req, QueryStringDecoder query, String id) {
        AccessPolicy.Principal p = Http.authenticate(server, ch, req, query);
        if (p == null) {
            return null;
        }
        DetectionSession<O> c = service.rest.get(id);
        if (c == null && ClusterRouting.redirectIfRemote(server, ch, req, id)) {
            return null; // another instance owns it: answered with a redirect there
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
            Json.onlyFields(body, "session request", DetectionService.SETTINGS_FIELDS);
            s = DetectionService.parseSettings(body, endpoint.defaults());
        } catch (ProtocolException e) {
            Http.error(ch, req, HttpResponseStatus.BAD_REQUEST, e.getMessage());
            return;
        }
        if (p.tier().limitsFps() && s.fpsLimit() > p.tier().maxFps()) {
            Http.error(ch, req, HttpResponseStatus.FORBIDDEN, "fps_limit " + Json.fmt(s.fpsLimit())
                    + " exceeds tier '" + p.tier().name() + "' limit of " + Json.fmt(p.tier().maxFps()));
            return;
        }
        if (service.overCapacity()) {
            Http.error(ch, req, HttpResponseStatus.SERVICE_UNAVAILABLE, "server holds its maximum of "
                    + endpoint.maxSessions() + " detection sessions; try again later");
            return;
        }
        if (!server.tryAcquireSlot(p)) {
            Http.error(ch, req, HttpResponseStatus.FORBIDDEN, "tier '" + p.tier().name() + "' allows "
                    + p.tier().maxConcurrentSessions() + " concurrent session(s)");
            return;
        }
        DetectionSession<O> c = new DetectionSession<>(service, p, s, true);
        req.retain();
        if (!SessionOpener.open(server, ch.eventLoop(), () -> {
            c.open();
            return c;
        }, new SessionOpener.Outcome<DetectionSession<O>>() {
            @Override
            public void opened(DetectionSession<O> c) {
                service.rest.put(c.live.id(), c);
                ClusterRouting.registered(server, c.live.id());
                service.created.incrementAndGet();
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
                o.set("config", DetectionService.settingsJson(s));
                Http.json(ch, req, HttpResponseStatus.CREATED, o);
                req.release();
            }

            @Override
            public void refused(String message) {
                notCreated(HttpResponseStatus.BAD_REQUEST, message);
            }

            @Override
            public void failed() {
                notCreated(HttpResponseStatus.INTERNAL_SERVER_ERROR, "could not open a session");
            }

            private void notCreated(HttpResponseStatus status, String message) {
                server.unregister(c.live);
                server.releaseSlot(p);
                Http.error(ch, req, status, message);
                req.release();
            }
        }, LOG, "detection-open", "detection session")) {
            req.release();
            server.unregister(c.live);
            server.releaseSlot(p);
            Http.error(ch, req, HttpResponseStatus.SERVICE_UNAVAILABLE, "server busy");
        }
    }

    private void attachSse(ChannelHandlerContext ctx, FullHttpRequest req, DetectionSession<O> c) {
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

    private void process(Channel ch, FullHttpRequest req, QueryStringDecoder query, DetectionSession<O> c) {
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
                Json.onlyFields(msg, "frame", DetectionService.PROCESS_FIELDS);
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
}
