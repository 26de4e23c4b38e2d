package io.github.streaminfer.transport.internal.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.streaminfer.transport.SessionRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Optional;
import java.util.concurrent.RejectedExecutionException;

/**
 * The detection REST + SSE sessions in a cluster: announces the sessions this instance owns in the
 * {@link SessionRegistry}, and answers a request for a session that another instance owns with a
 * {@code 307 Temporary Redirect} to that instance's advertised address (method, body and query kept; the API key
 * travels with the request, as the owner checks it again).
 *
 * <p>A redirect, not a proxy: the owner serves the request itself, so an SSE stream costs no second hop and no
 * instance relays another's frames; a client that follows redirects (browsers' {@code EventSource}, the JDK's
 * {@code HttpClient}, curl {@code -L}) needs no change. The owner's advertised address must be reachable by the
 * client.
 *
 * <p><b>Note:</b> thread-safe; {@link #registered} and {@link #removed} run on the blocking executor,
 * {@link #redirectIfRemote} on an event loop (its look-up runs on the blocking executor).
 */
public final class ClusterRouting {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterRouting.class);

    private ClusterRouting() {
    }

    /**
     * Announces a REST session this instance now owns. Blocking; a failing store is logged, the session still runs
     * (it is reachable through this instance only).
     *
     * @param server    server state
     * @param sessionId the session
     */
    public static void registered(ServerContext server, String sessionId) {
        SessionRegistry r = server.registry;
        if (!r.isShared()) {
            return;
        }
        try {
            r.register(sessionId);
        } catch (RuntimeException e) {
            server.warnings.warn(LOG, "registry-register", "session {}: could not announce it in the registry",
                    sessionId, e);
        }
    }

    /**
     * Withdraws a REST session this instance owned. Blocking; a failing store is logged (the entry then expires).
     *
     * @param server    server state
     * @param sessionId the session
     */
    public static void removed(ServerContext server, String sessionId) {
        SessionRegistry r = server.registry;
        if (!r.isShared()) {
            return;
        }
        try {
            r.remove(sessionId);
        } catch (RuntimeException e) {
            server.warnings.warn(LOG, "registry-remove", "session {}: could not withdraw it from the registry",
                    sessionId, e);
        }
    }

    /**
     * Answers a request for a session that is not here: a redirect to its owner, or the usual 404 when no live
     * instance owns it. Event loop.
     *
     * @param server    server state
     * @param ch        the connection
     * @param req       the request (retained until answered)
     * @param sessionId the session asked for
     * @return true if this took over answering; false when the registry is not shared (the caller answers 404)
     */
    public static boolean redirectIfRemote(ServerContext server, Channel ch, FullHttpRequest req, String sessionId) {
        SessionRegistry r = server.registry;
        if (!r.isShared()) {
            return false;
        }
        req.retain();
        try {
            server.blocking.execute(() -> {
                Optional<SessionRegistry.Owner> owner;
                try {
                    owner = r.lookup(sessionId);
                } catch (RuntimeException e) {
                    server.warnings.warn(LOG, "registry-lookup", "session {}: registry look-up failed", sessionId, e);
                    owner = Optional.empty();
                }
                Optional<SessionRegistry.Owner> found = owner.filter(o -> !o.instanceId().equals(r.instanceId()));
                ch.eventLoop().execute(() -> {
                    try {
                        if (found.isPresent()) {
                            server.counter("cluster_redirects_total").increment();
                            redirect(ch, req, found.get());
                        } else {
                            notFound(server, ch, req, sessionId);
                        }
                    } finally {
                        req.release();
                    }
                });
            });
        } catch (RejectedExecutionException e) {
            req.release();
            return false;
        }
        return true;
    }

    static String location(SessionRegistry.Owner owner, String uri) {
        String base = owner.address().contains("://") ? owner.address() : "http://" + owner.address();
        if (base.endsWith("/")) {
            base = base.substring(0, base.length() - 1);
        }
        return base + (uri.startsWith("/") ? uri : "/" + uri);
    }

    private static void redirect(Channel ch, FullHttpRequest req, SessionRegistry.Owner owner) {
        String location = location(owner, req.uri());
        ObjectNode o = Json.object();
        o.put("error", "session is served by instance '" + owner.instanceId() + "'");
        o.put("instance_id", owner.instanceId());
        ByteBuf body = Json.encode(ch.alloc(), o);
        FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                HttpResponseStatus.TEMPORARY_REDIRECT, body);
        res.headers().set(HttpHeaderNames.LOCATION, location);
        res.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json");
        res.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
        HttpUtil.setContentLength(res, body.readableBytes());
        boolean keepAlive = HttpUtil.isKeepAlive(req);
        HttpUtil.setKeepAlive(res, keepAlive);
        ChannelFuture f = ch.writeAndFlush(res);
        if (!keepAlive) {
            f.addListener(ChannelFutureListener.CLOSE);
        }
    }

    private static void notFound(ServerContext server, Channel ch, FullHttpRequest req, String sessionId) {
        Http.error(ch, req, HttpResponseStatus.NOT_FOUND, "no session '" + Json.truncate(sessionId, 64)
                + "' (it never existed, was deleted or expired after "
                + server.limits.sessionIdleTimeout().toSeconds() + " s idle)");
    }
}
