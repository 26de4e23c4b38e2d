package io.github.streaminfer.transport.internal;

import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.QueryStringEncoder;

import java.util.List;

/**
 * Mounts the browser side on a server: the pages, the sign-in, the dashboard feed, and, with a detection endpoint,
 * the camera tap on its WebSocket and the viewer WebSocket.
 *
 * <p><b>Note:</b> called once, while the server is built.
 */
public final class BrowserPages {
    /** Query parameter of the detection WebSocket that asks for {@code stream_feedback} messages. */
    public static final String ADAPTIVE = "adaptive";

    private BrowserPages() {
    }

    /**
     * {@return the detection WebSocket route with the camera tap (viewer fan-out; adaptive feedback for connections
     * that ask for it with {@code adaptive=true}) in front of it}
     *
     * @param detection the detection route
     * @param hub       the viewer fan-out
     */
    public static Router.WsRoute cameraRoute(Router.WsRoute detection, ViewerHub hub) {
        Router.PreCheck check = detection.check();
        return new Router.WsRoute(detection.path(), detection.name(), () -> CameraTap.install(
                detection.handler().get(), hub, CameraTap.Bounds.DEFAULT, false), (ctx, req, query) -> {
                    // adaptive=true asks for stream_feedback; the detection endpoint never sees the parameter
                    boolean adaptive = false;
                    QueryStringDecoder q = query;
                    if (query.parameters().containsKey(ADAPTIVE)) {
                        adaptive = "true".equals(query.parameters().get(ADAPTIVE).get(0));
                        QueryStringEncoder rest = new QueryStringEncoder(query.path());
                        query.parameters().forEach((k, vs) -> {
                            if (!k.equals(ADAPTIVE)) {
                                vs.forEach(v -> rest.addParam(k, v));
                            }
                        });
                        req.setUri(rest.toString());
                        q = new QueryStringDecoder(req.uri());
                    }
                    var h = check == null ? detection.handler().get() : check.admit(ctx, req, q);
                    return h == null ? null : CameraTap.install(h, hub, CameraTap.Bounds.DEFAULT, adaptive);
                });
    }

    /**
     * {@return the viewer WebSocket route}
     *
     * @param server server state
     * @param hub    the viewer fan-out
     */
    public static Router.WsRoute viewerRoute(ServerContext server, ViewerHub hub) {
        return new Router.WsRoute(ViewerHandler.PATH, "viewer", () -> null, ViewerHandler.admit(server, hub));
    }

    /**
     * Adds the pages, sign-in and dashboard routes, and their lines in the endpoint list.
     *
     * @param http      the server's HTTP routes
     * @param described the endpoint list ({scheme, path, description})
     * @param server    server state
     * @param login     the sign-in
     * @param hub       the viewer fan-out, or null without a detection endpoint
     * @param scheme    {@code http} or {@code https}
     */
    public static void addRoutes(List<Router.HttpRoutes> http, List<String[]> described, ServerContext server,
                                 BrowserLogin login, ViewerHub hub, String scheme) {
        http.add(new StaticPages().routes());
        http.add(login.routes());
        http.add(new DashboardFeed(server, hub).routes());
        described.add(new String[]{scheme, "/", "dashboard (browsers; other clients get this list)"});
        if (hub != null) {
            described.add(new String[]{scheme, "/camera", "camera streamer page (adaptive streaming)"});
            described.add(new String[]{scheme, "/viewer", "camera viewer page (annotated frames)"});
        }
        described.add(new String[]{scheme, "/dashboard/events", "dashboard statistics (SSE)"});
        described.add(new String[]{scheme, "/auth/login", "browser sign-in: key once in X-API-Key, then a cookie"});
    }
}
