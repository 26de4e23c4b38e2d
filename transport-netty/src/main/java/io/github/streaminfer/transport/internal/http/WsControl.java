package io.github.streaminfer.transport.internal.http;

import io.github.streaminfer.transport.CloseCodes;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.util.ReferenceCountUtil;

/**
 * WebSocket control frames bounded like data: a ping is answered only while the connection is writable (its output
 * below the high watermark), so a client that sends pings and never reads cannot queue pongs without limit (it is
 * closed by the write-stall timeout of {@link ConnectionGuard}); pings and pongs beyond
 * {@link io.github.streaminfer.transport.ServerLimits#maxControlFramesPerSecond()} (a token bucket holding one second's
 * worth, plus as many again for a burst) close the connection with 1008, without reading what the flood still sends;
 * and a close frame with a code that RFC 6455 does not
 * allow on the wire (below 1000, 1004-1006, 1015-2999) is a protocol error answered with 1002.
 *
 * <p>Goes before the protocol handler, which answers pings; {@link #afterProtocol()} goes after it.
 *
 * <p><b>Note:</b> one instance per connection; event loop only.
 */
public final class WsControl extends ChannelInboundHandlerAdapter {
    private final ServerContext server;
    private final WebSocketDecoderConfig decoderConfig;
    private final int preAuthMessageBytes;
    private final double controlFramesPerNano;
    private final double controlBurst;
    private double controlTokens;
    private long controlRefilledAt;
    private boolean flooded;

    /**
     * Creates the control handler of one connection.
     *
     * @param server              server state
     * @param decoderConfig       the connection's frame decoder settings
     * @param preAuthMessageBytes for an endpoint that authenticates with its first message, the largest message
     *                            allowed before that (a {@link PreAuthFrameGuard} checks frame headers); 0 for none
     */
    public WsControl(ServerContext server, WebSocketDecoderConfig decoderConfig, int preAuthMessageBytes) {
        this.server = server;
        this.decoderConfig = decoderConfig;
        this.preAuthMessageBytes = preAuthMessageBytes;
        int perSecond = server.limits.maxControlFramesPerSecond();
        this.controlFramesPerNano = perSecond / 1e9;
        this.controlBurst = 2.0 * perSecond;
        this.controlTokens = controlBurst;
        this.controlRefilledAt = System.nanoTime();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (flooded) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if ((msg instanceof PingWebSocketFrame || msg instanceof PongWebSocketFrame) && !takeControlToken()) {
            flooded = true;
            ReferenceCountUtil.release(msg);
            server.counter("connections_closed_control_flood_total").increment();
            boolean readsItsReplies = ctx.channel().isWritable();
            ChannelFuture closing = ctx.writeAndFlush(new CloseWebSocketFrame(CloseCodes.POLICY_VIOLATION,
                    "more than " + server.limits.maxControlFramesPerSecond() + " pings and pongs per second"));
            if (readsItsReplies) {
                LingeringClose.holdThenClose(closing);
            } else {
                // the close frame may never leave: stop reading now instead of when it is written
                LingeringClose.hold(ctx.channel(), LingeringClose.HOLD_MILLIS);
            }
            return;
        }
        if (msg instanceof PingWebSocketFrame && !ctx.channel().isWritable()) {
            server.counter("pings_unanswered_total").increment();
            ReferenceCountUtil.release(msg);
            return;
        }
        super.channelRead(ctx, msg);
    }

    private boolean takeControlToken() {
        long now = System.nanoTime();
        controlTokens = Math.min(controlBurst, controlTokens + (now - controlRefilledAt) * controlFramesPerNano);
        controlRefilledAt = now;
        if (controlTokens < 1) {
            return false;
        }
        controlTokens -= 1;
        return true;
    }

    /**
     * {@return the handler that goes after the protocol handler}: once the handshake is complete it replaces the
     * frame decoder with one that checks close codes, then leaves the pipeline.
     */
    public ChannelHandler afterProtocol() {
        return new ChannelInboundHandlerAdapter() {
            @Override
            public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
                if (evt instanceof WebSocketServerProtocolHandler.HandshakeComplete
                        && ctx.pipeline().get("wsdecoder") instanceof WebSocket13FrameDecoder) {
                    // bytes the old decoder holds go to its replacement
                    ctx.pipeline().replace("wsdecoder", "wsdecoder", new StrictCloseDecoder(decoderConfig));
                    if (preAuthMessageBytes > 0) {
                        ctx.pipeline().addBefore("wsdecoder", PreAuthFrameGuard.NAME,
                                new PreAuthFrameGuard(preAuthMessageBytes));
                    }
                    ctx.pipeline().remove(this);
                }
                super.userEventTriggered(ctx, evt);
            }
        };
    }

    /** Netty's decoder, but a close code that is not allowed on the wire is a protocol error (close 1002). */
    static final class StrictCloseDecoder extends WebSocket13FrameDecoder {
        StrictCloseDecoder(WebSocketDecoderConfig config) {
            super(config);
        }

        @Override
        protected void checkCloseFrameBody(ChannelHandlerContext ctx, ByteBuf buffer) {
            if (buffer != null && buffer.readableBytes() >= 2) {
                int code = buffer.getUnsignedShort(buffer.readerIndex());
                if (!WebSocketCloseStatus.isValidStatusCode(code)) {
                    throw new CorruptedWebSocketFrameException(WebSocketCloseStatus.PROTOCOL_ERROR,
                            "close code " + code + " is not allowed");
                }
            }
            super.checkCloseFrameBody(ctx, buffer);
        }
    }
}
