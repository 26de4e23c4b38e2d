package io.github.streaminfer.transport.internal.pages;

import io.github.streaminfer.transport.internal.http.Router;
import io.github.streaminfer.transport.internal.http.ServerContext;
import io.github.streaminfer.transport.internal.http.Http;
import io.github.streaminfer.transport.internal.http.Json;
import io.github.streaminfer.transport.AccessPolicy;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.QueryStringDecoder;

import java.util.List;

/**
 * The camera viewers' SSE side, {@code GET /stream/view/events[?session_id=...]}: the same frames as the viewer
 * WebSocket, for clients that only speak HTTP (a browser's {@code EventSource}, curl). Events, each a named SSE
 * event with one {@code data:} line:
 * <ul>
 *   <li>{@code viewer_connected}: the same JSON as on the WebSocket;</li>
 *   <li>per frame, {@code frame_metadata} (the WebSocket's metadata JSON, {@code frames_lost} included), then
 *       {@code frame}: the annotated JPEG in base64 (a browser shows it as
 *       {@code "data:image/jpeg;base64," + event.data}); it is encoded once per frame for all SSE viewers;</li>
 *   <li>{@code camera_closed}.</li>
 * </ul>
 * The slow-viewer rules are the WebSocket's: the connection lives on the hub's fan-out loop and a viewer whose
 * output is above the high watermark skips frames, counted in its {@code frames_lost}. The key comes from a header
 * or the sign-in cookie, never from the URL.
 *
 * <p><b>Note:</b> stateless; routes run on the accepting event loop.
 */
public final class SseViewerRoute {
    /** Path of the viewer SSE stream. */
    public static final String PATH = "/stream/view/events";

    private final ServerContext server;
    private final ViewerHub hub;

    /**
     * Creates the route.
     *
     * @param server server state
     * @param hub    the fan-out
     */
    public SseViewerRoute(ServerContext server, ViewerHub hub) {
        this.server = server;
        this.hub = hub;
    }

    /** {@return the route} */
    public Router.HttpRoutes routes() {
        return this::route;
    }

    private boolean route(ChannelHandlerContext ctx, FullHttpRequest req, String path, QueryStringDecoder query) {
        if (!path.equals(PATH)) {
            return false;
        }
        Channel ch = ctx.channel();
        if (!req.method().equals(HttpMethod.GET)) {
            Http.methodNotAllowed(ch, req, "GET");
            return true;
        }
        AccessPolicy.Principal p = Http.authenticate(server, ch, req, null);
        if (p == null) {
            return true;
        }
        List<String> s = query.parameters().get("session_id");
        String id = s == null || s.isEmpty() || s.get(0).isBlank() ? null : Json.truncate(s.get(0), 64);
        Router router = ctx.pipeline().get(Router.class);
        if (router != null) {
            router.streaming = true; // silence on an event stream is normal: no idle close
        }
        server.counter("viewer_sse_connections_total").increment();
        Http.startSse(ch).addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess()) {
                return;
            }
            FanOutViewer v = hub.subscribe(ch, id, FanOutViewer.Kind.SSE);
            ch.closeFuture().addListener(c -> hub.unsubscribe(v));
        });
        return true;
    }
}
