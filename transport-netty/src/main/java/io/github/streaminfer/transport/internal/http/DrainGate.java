package io.github.streaminfer.transport.internal.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * Readiness, apart from liveness ({@code /healthz}): {@code GET /ready} answers 200 while the server takes new
 * sessions and 503 once it drains or stops, so a load balancer sends new clients elsewhere while the sessions already
 * here go on. A draining server refuses every request that would open a session (a WebSocket upgrade,
 * {@code POST /stream/sessions}, {@code POST /infer/stream}) with 503 and closes the connection.
 *
 * <p><b>Note:</b> stateless; event loop only.
 */
public final class DrainGate {
    /** The readiness path. */
    public static final String READY_PATH = "/ready";

    private DrainGate() {
    }

    /**
     * Refuses a request that would open a session while the server drains. Event loop.
     *
     * @param server  server state
     * @param ch      the connection
     * @param req     the request
     * @param path    its decoded path
     * @param upgrade whether it asks for a WebSocket
     * @return true if it was refused (answered 503)
     */
    public static boolean refuses(ServerContext server, Channel ch, FullHttpRequest req, String path,
                                  boolean upgrade) {
        if (!server.draining) {
            return false;
        }
        boolean opens = upgrade || (req.method().equals(HttpMethod.POST)
                && (path.equals("/stream/sessions") || path.equals("/infer/stream")));
        if (!opens) {
            return false;
        }
        server.counter("drain_rejections_total").increment();
        Http.error(ch, null, HttpResponseStatus.SERVICE_UNAVAILABLE,
                "server is draining before it stops; connect again (the load balancer sends you to another instance)");
        return true;
    }

    /**
     * Answers {@code GET /ready}: 200 {@code {"status":"ready"}} or 503 {@code {"status":"draining"}}.
     *
     * @param server server state
     * @param ch     the connection
     * @param req    the request
     */
    public static void readiness(ServerContext server, Channel ch, FullHttpRequest req) {
        if (!req.method().equals(HttpMethod.GET) && !req.method().equals(HttpMethod.HEAD)) {
            Http.error(ch, req, HttpResponseStatus.METHOD_NOT_ALLOWED, "method " + req.method()
                    + " not allowed; use GET");
            return;
        }
        boolean ready = !server.draining && !server.shuttingDown;
        ObjectNode o = Json.object();
        o.put("status", ready ? "ready" : "draining");
        o.put("instance_id", server.registry.instanceId());
        o.put("active_sessions", server.sessions.size());
        Http.json(ch, req, ready ? HttpResponseStatus.OK : HttpResponseStatus.SERVICE_UNAVAILABLE, o);
    }
}
