package io.github.streaminfer.transport.internal.http;

import io.github.streaminfer.transport.CloseCodes;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import org.slf4j.Logger;

import java.io.IOException;

/**
 * Turns exceptions on a WebSocket pipeline into close codes with reasons; never sends a stack trace.
 *
 * <p><b>Note:</b> event loop only.
 */
public final class WsErrors {
    private WsErrors() {
    }

    public static void handle(ChannelHandlerContext ctx, Throwable cause, ServerContext server, Logger log, String endpoint) {
        Throwable c = cause;
        while (c.getCause() != null && c.getCause() != c && !(c instanceof TooLongFrameException)
                && !(c instanceof CorruptedWebSocketFrameException)) {
            c = c.getCause();
        }
        int code;
        String reason;
        // the reasons are ours: Netty's exception texts ("RSV != 0 and no extension negotiated") never reach a client
        WebSocketCloseStatus status = c instanceof CorruptedWebSocketFrameException w ? w.closeStatus() : null;
        if (c instanceof TooLongFrameException
                || (status != null && status.code() == CloseCodes.MESSAGE_TOO_BIG)) {
            code = CloseCodes.MESSAGE_TOO_BIG;
            reason = "message larger than " + server.limits.maxWebSocketFrameBytes() + " bytes";
        } else if (status != null && status.code() == CloseCodes.INVALID_PAYLOAD) {
            code = CloseCodes.INVALID_PAYLOAD;
            reason = "text message is not valid UTF-8";
        } else if (c instanceof CorruptedFrameException) {
            code = CloseCodes.PROTOCOL_ERROR;
            reason = "malformed WebSocket frame";
        } else if (c instanceof IOException) {
            ctx.close();
            return;
        } else {
            server.warnings.warn(log, "ws-unexpected-error", "{} connection {}: unexpected error", endpoint,
                    ctx.channel().remoteAddress(), cause);
            code = CloseCodes.INTERNAL_ERROR;
            reason = "internal error";
        }
        server.counter("connections_closed_on_error_total{endpoint=\"" + endpoint + "\",code=\"" + code + "\"}")
                .increment();
        if (ctx.channel().isActive()) {
            ctx.writeAndFlush(new CloseWebSocketFrame(code, reason)).addListener(ChannelFutureListener.CLOSE);
        }
    }
}
