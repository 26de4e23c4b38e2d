package io.github.streaminfer.transport.internal.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The server's routes as its endpoints mount them: WebSocket routes, HTTP route sets, and the description of each
 * path that {@code GET /} lists and the server logs at start. It also holds the routes every server has:
 * {@code /healthz}, {@code /ready} and {@code /metrics}.
 *
 * <p><b>Note:</b> filled on the thread that builds the server, before it binds; read-only afterwards.
 */
public final class RouteTable {
    private final String wsScheme;
    private final String httpScheme;
    private final List<Router.WsRoute> ws = new ArrayList<>();
    private final List<Router.HttpRoutes> http = new ArrayList<>();
    private final List<String[]> described = new ArrayList<>();

    /** @param tls whether the server speaks TLS (the schemes it describes: wss and https) */
    public RouteTable(boolean tls) {
        this.wsScheme = tls ? "wss" : "ws";
        this.httpScheme = tls ? "https" : "http";
    }

    /**
     * Mounts a WebSocket route.
     *
     * @param route the route
     */
    public void ws(Router.WsRoute route) {
        ws.add(route);
    }

    /**
     * Mounts HTTP routes, tried in the order mounted.
     *
     * @param routes the routes
     */
    public void http(Router.HttpRoutes routes) {
        http.add(routes);
    }

    /**
     * Describes a WebSocket path.
     *
     * @param path the path
     * @param what what it serves
     */
    public void describeWs(String path, String what) {
        described.add(new String[]{wsScheme, path, what});
    }

    /**
     * Describes an HTTP path.
     *
     * @param path the path
     * @param what what it serves
     */
    public void describeHttp(String path, String what) {
        described.add(new String[]{httpScheme, path, what});
    }

    /** {@return the WebSocket routes} */
    public List<Router.WsRoute> wsRoutes() {
        return ws;
    }

    /** {@return the HTTP route sets, to add to} */
    public List<Router.HttpRoutes> httpRoutes() {
        return http;
    }

    /** {@return the descriptions, {scheme, path, what} each, to add to} */
    public List<String[]> described() {
        return described;
    }

    /** {@return {@code http} or {@code https}} */
    public String httpScheme() {
        return httpScheme;
    }

    /** {@return the JSON that {@code GET /} answers: every described path} */
    public ObjectNode index() {
        ObjectNode o = Json.object();
        o.put("service", "streaminfer");
        ArrayNode a = o.putArray("endpoints");
        for (String[] d : described) {
            ObjectNode e = a.addObject();
            e.put("path", d[1]);
            e.put("scheme", d[0]);
            e.put("description", d[2]);
        }
        return o;
    }

    /**
     * {@return one line per described path: its URL and what it serves}
     *
     * @param host the host the server is bound to
     * @param port the port it is bound to
     */
    public List<String> urls(String host, int port) {
        String h = host.contains(":") ? "[" + host + "]" : host;
        List<String> u = new ArrayList<>();
        for (String[] d : described) {
            u.add(d[0] + "://" + h + ":" + port + d[1] + "  " + d[2]);
        }
        return List.copyOf(u);
    }

    /**
     * Mounts {@code /healthz} and {@code /metrics} (described by the caller, after the pages).
     *
     * @param server  the server
     * @param metrics its metrics
     */
    public void mountCommon(ServerContext server, Metrics metrics) {
        http.add((c, req, path, query) -> {
            Channel ch = c.channel();
            if (path.equals("/healthz")) {
                Http.text(ch, req, "OK\n");
                return true;
            }
            if (path.equals(DrainGate.READY_PATH)) {
                DrainGate.readiness(server, ch, req);
                return true;
            }
            if (path.equals("/metrics")) {
                if (!req.method().equals(HttpMethod.GET)) {
                    Http.error(ch, req, HttpResponseStatus.METHOD_NOT_ALLOWED, "use GET");
                    return true;
                }
                boolean perSession = server.access.showsSessionMetrics(Http.apiKey(req,
                        Http.acceptsQueryKey(server.access, req) ? new QueryStringDecoder(req.uri()) : null));
                Http.send(ch, req, HttpResponseStatus.OK, Unpooled.copiedBuffer(metrics.render(perSession),
                        StandardCharsets.UTF_8), "text/plain; version=0.0.4; charset=utf-8");
                return true;
            }
            return false;
        });
    }
}
