package io.github.streaminfer.transport.internal;

import io.github.streaminfer.transport.CloseCodes;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import org.slf4j.Logger;

import java.io.IOException;

/**
 * Turns exceptions on a WebSocket pipeline into close codes with reasons; never sends a stack trace.
 *
 * <p><b>Note:</b> event loop only.
 */
final class WsErrors {
    private WsErrors() {
    }

    static void handle(ChannelHandlerContext ctx, Throwable cause, ServerContext server, Logger log, String endpoint) {
        Throwable c = cause;
        while (c.getCause() != null && c.getCause() != c && !(c instanceof TooLongFrameException)
                && !(c instanceof CorruptedWebSocketFrameException)) {
            c = c.getCause();
        }
        int code;
        String reason;
        if (c instanceof TooLongFrameException
                || (c instanceof CorruptedWebSocketFrameException && String.valueOf(c.getMessage()).contains("Max"))) {
            code = CloseCodes.MESSAGE_TOO_BIG;
            reason = "message larger than " + server.limits.maxWebSocketFrameBytes() + " bytes";
        } else if (c instanceof CorruptedFrameException) {
            code = CloseCodes.PROTOCOL_ERROR;
            reason = "malformed WebSocket frame";
        } else if (c instanceof IOException) {
            ctx.close();
            return;
        } else {
            log.warn("{} connection {}: unexpected error", endpoint, ctx.channel().remoteAddress(), cause);
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
