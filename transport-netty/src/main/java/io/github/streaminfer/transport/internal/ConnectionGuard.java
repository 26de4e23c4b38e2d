package io.github.streaminfer.transport.internal;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * Counts open connections and refuses those beyond the limit (or during shutdown) with 503.
 *
 * <p><b>Note:</b> one instance per connection; event loop only.
 */
public final class ConnectionGuard extends ChannelInboundHandlerAdapter {
    private final ServerContext server;
    private boolean counted;
    private boolean refused;

    /** @param server server state */
    public ConnectionGuard(ServerContext server) {
        this.server = server;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        counted = true;
        if (server.connections.incrementAndGet() > server.limits.maxConnections() || server.shuttingDown) {
            server.counter("connections_refused_total").increment();
            refused = true;
            Http.error(ctx.channel(), null, HttpResponseStatus.SERVICE_UNAVAILABLE, server.shuttingDown
                    ? "server is shutting down" : "too many connections (limit " + server.limits.maxConnections() + ")");
            return;
        }
        server.counter("connections_total").increment();
        super.channelActive(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (refused) {
            io.netty.util.ReferenceCountUtil.release(msg);
            return;
        }
        super.channelRead(ctx, msg);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (counted) {
            counted = false;
            server.connections.decrementAndGet();
        }
        super.channelInactive(ctx);
    }
}
