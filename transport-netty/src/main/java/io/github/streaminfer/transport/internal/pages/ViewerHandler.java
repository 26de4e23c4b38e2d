package io.github.streaminfer.transport.internal.pages;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.streaminfer.transport.AccessPolicy;
import io.github.streaminfer.transport.internal.http.Http;
import io.github.streaminfer.transport.internal.http.Json;
import io.github.streaminfer.transport.internal.http.Router;
import io.github.streaminfer.transport.internal.http.ServerContext;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.handler.timeout.IdleStateEvent;

import java.util.List;

/**
 * One viewer of the camera fan-out, {@code /stream/view[?session_id=...]}: after the handshake it gets
 * {@code viewer_connected}, then a {@code frame_metadata} text message and a binary JPEG per annotated frame of the
 * session it watches (the newest camera when it names none). After the handshake the connection lives on the
 * {@link ViewerHub}'s fan-out loop, not on the loop that accepted it. What it sends is ignored (the seed's viewer sends
 * {@code performance_stats}); a {@code ping} gets a {@code pong}.
 *
 * <p><b>Note:</b> one instance per connection; runs on the connection's event loop (the fan-out loop once
 * subscribed).
 */
public final class ViewerHandler extends SimpleChannelInboundHandler<WebSocketFrame> {
    /** Path of the viewer WebSocket. */
    public static final String PATH = "/stream/view";

    private final ViewerHub hub;
    private final String sessionId;
    private FanOutViewer viewer;

    private ViewerHandler(ViewerHub hub, String sessionId) {
        super(true);
        this.hub = hub;
        this.sessionId = sessionId;
    }

    /**
     * {@return the route's pre-handshake check: authenticates (401 itself) and reads {@code session_id}}
     *
     * @param server server state
     * @param hub    the fan-out
     */
    public static Router.PreCheck admit(ServerContext server, ViewerHub hub) {
        return (ChannelHandlerContext ctx, FullHttpRequest req, QueryStringDecoder query) -> {
            AccessPolicy.Principal p = Http.authenticate(server, ctx.channel(), req, query);
            if (p == null) {
                return null;
            }
            List<String> s = query.parameters().get("session_id");
            String id = s == null || s.isEmpty() || s.get(0).isBlank() ? null : Json.truncate(s.get(0), 64);
            return new ViewerHandler(hub, id);
        };
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof WebSocketServerProtocolHandler.HandshakeComplete) {
            // the connection moves to the fan-out loop, which greets it with viewer_connected once it is there
            viewer = hub.subscribe(ctx.channel(), sessionId, FanOutViewer.Kind.WEBSOCKET);
            return;
        }
        if (evt instanceof IdleStateEvent) {
            return; // a viewer only listens: silence is its normal state
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
        if (frame instanceof TextWebSocketFrame t && t.text().contains("\"ping\"")) {
            ObjectNode o = Json.object();
            o.put("type", "pong");
            o.put("timestamp", Json.unixSeconds());
            o.put("frames_received", viewer == null ? 0 : viewer.sent());
            o.put("frames_lost", viewer == null ? 0 : viewer.lost());
            ctx.writeAndFlush(new TextWebSocketFrame(o.toString()));
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (viewer != null) {
            hub.unsubscribe(viewer);
        }
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
