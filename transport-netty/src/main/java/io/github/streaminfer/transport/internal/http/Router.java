package io.github.streaminfer.transport.internal.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.handler.timeout.IdleStateEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.List;
import java.util.function.Supplier;

/**
 * First handler after the HTTP codec: checks the connection limit and the Origin, routes WebSocket upgrades to their
 * endpoint handler and HTTP requests to their route. Never sends a stack trace.
 *
 * <p><b>Note:</b> one instance per connection; event loop only.
 */
public final class Router extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final Logger LOG = LoggerFactory.getLogger(Router.class);

    /** A WebSocket endpoint: path, handler factory, and an optional pre-handshake check. */
    public record WsRoute(String path, String name, Supplier<ChannelHandler> handler, PreCheck check) {
    }

    /** Decides before the handshake whether to upgrade; answers the HTTP error itself when not. */
    @FunctionalInterface
    public interface PreCheck {
        /**
         * @param ch    the connection's context
         * @param req   upgrade request
         * @param query its query
         * @return a handler to use instead of the route's default, the default ({@code null} result means refused)
         */
        ChannelHandler admit(ChannelHandlerContext ch, FullHttpRequest req, QueryStringDecoder query);
    }

    /** An HTTP route group: returns true if it handled the request. */
    @FunctionalInterface
    public interface HttpRoutes {
        /**
         * @param ctx   channel context
         * @param req   request
         * @param path  decoded path
         * @param query query
         * @return true if handled (a response was or will be sent)
         */
        boolean handle(ChannelHandlerContext ctx, FullHttpRequest req, String path, QueryStringDecoder query);
    }

    private final ServerContext server;
    private final List<WsRoute> wsRoutes;
    private final List<HttpRoutes> httpRoutes;
    private final Supplier<ObjectNode> index;
    /** True while a response stream (SSE) is open: idle timeouts do not apply. */
    public boolean streaming;

    /**
     * @param server     server state
     * @param wsRoutes   WebSocket endpoints
     * @param httpRoutes HTTP route groups, tried in order
     * @param index      body of {@code GET /}
     */
    public Router(ServerContext server, List<WsRoute> wsRoutes, List<HttpRoutes> httpRoutes,
                  Supplier<ObjectNode> index) {
        super(true);
        this.server = server;
        this.wsRoutes = wsRoutes;
        this.httpRoutes = httpRoutes;
        this.index = index;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
        server.counter("http_requests_total").increment();
        if (!req.decoderResult().isSuccess()) {
            Http.error(ctx.channel(), null, HttpResponseStatus.BAD_REQUEST, "malformed HTTP request");
            return;
        }
        String origin = req.headers().get(HttpHeaderNames.ORIGIN);
        if (!server.access.originAllowed(origin)) {
            server.counter("origin_rejections_total").increment();
            Http.error(ctx.channel(), req, HttpResponseStatus.FORBIDDEN, "origin '" + Json.truncate(origin, 100)
                    + "' is not allowed");
            return;
        }
        QueryStringDecoder query = new QueryStringDecoder(req.uri());
        String path = query.path();
        boolean upgrade = req.headers().containsValue(HttpHeaderNames.UPGRADE, "websocket", true);
        if (DrainGate.refuses(server, ctx.channel(), req, path, upgrade)) { // drain hook: no new session
            return;
        }
        if (upgrade) {
            for (WsRoute r : wsRoutes) {
                if (r.path.equals(path)) {
                    upgrade(ctx, req, r, query);
                    return;
                }
            }
            Http.error(ctx.channel(), req, HttpResponseStatus.NOT_FOUND, "no WebSocket endpoint at '"
                    + Json.truncate(path, 100) + "'");
            return;
        }
        if (path.equals("/") && req.method() == HttpMethod.GET && !Http.wantsHtml(req)) {
            Http.json(ctx.channel(), req, HttpResponseStatus.OK, index.get());
            return;
        }
        try {
            for (HttpRoutes routes : httpRoutes) {
                if (routes.handle(ctx, req, path, query)) {
                    return;
                }
            }
        } catch (RuntimeException e) {
            server.warnings.warn(LOG, "http-unexpected-error", "{} {}: unexpected error", req.method(),
                    ClientText.safe(path, 200), e);
            Http.error(ctx.channel(), req, HttpResponseStatus.INTERNAL_SERVER_ERROR, "internal error");
            return;
        }
        for (WsRoute r : wsRoutes) {
            if (r.path.equals(path)) {
                Http.error(ctx.channel(), req, HttpResponseStatus.BAD_REQUEST, "'" + path
                        + "' is a WebSocket endpoint; connect with a WebSocket client");
                return;
            }
        }
        Http.error(ctx.channel(), req, HttpResponseStatus.NOT_FOUND, "no endpoint at '" + Json.truncate(path, 100)
                + "'; GET / lists the endpoints");
    }

    private void upgrade(ChannelHandlerContext ctx, FullHttpRequest req, WsRoute route, QueryStringDecoder query) {
        ChannelHandler handler = route.check == null ? route.handler.get() : route.check.admit(ctx, req, query);
        if (handler == null) {
            return; // the check answered
        }
        server.counter("websocket_connections_total{endpoint=\"" + route.name + "\"}").increment();
        WebSocketDecoderConfig decoder = WebSocketDecoderConfig.newBuilder()
                .maxFramePayloadLength(server.limits.maxWebSocketFrameBytes())
                .allowExtensions(false)
                .withUTF8Validator(false) // Utf8Frames checks text messages, faster
                .closeOnProtocolViolation(false) // WsErrors closes, with our reason
                .build();
        WebSocketServerProtocolConfig cfg = WebSocketServerProtocolConfig.newBuilder()
                .websocketPath(route.path)
                .checkStartsWith(true)
                .handshakeTimeoutMillis(server.limits.handshakeTimeout().toMillis())
                .handleCloseFrames(true)
                .dropPongFrames(true)
                .decoderConfig(decoder)
                .build();
        ChannelPipeline p = ctx.pipeline();
        String me = ctx.name();
        // a WebSocket is not an HTTP exchange: no request deadline, ordering or body budget from here on
        if (p.get(HttpExchange.NAME) != null) {
            p.remove(HttpExchange.NAME);
        }
        if (p.get(HttpExchange.FIRST_BYTE) != null) {
            p.remove(HttpExchange.FIRST_BYTE);
        }
        // the VLA endpoint authenticates with its first message: nothing larger than an auth is read before it
        WsControl control = new WsControl(server, decoder,
                route.name.equals("vla") ? server.messages.maxAuthMessageBytes() : 0);
        p.addAfter(me, "ws-control", control);
        p.addAfter("ws-control", "ws-protocol", new WebSocketServerProtocolHandler(cfg));
        p.addAfter("ws-protocol", "ws-control-after", control.afterProtocol());
        p.addAfter("ws-control-after", "ws-utf8", new Utf8Frames());
        p.addAfter("ws-utf8", "ws-aggregator", new WebSocketFrameAggregator(server.limits.maxWebSocketFrameBytes()));
        p.addAfter("ws-aggregator", "ws-" + route.name, handler);
        ctx.fireChannelRead(req.retain());
        p.remove(this);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof IdleStateEvent && !streaming) {
            ctx.close();
            return;
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (!(cause instanceof IOException)) {
            LOG.debug("HTTP connection {}: {}", ctx.channel().remoteAddress(),
                    ClientText.safe(cause.toString(), 300));
        }
        ctx.close();
    }
}
