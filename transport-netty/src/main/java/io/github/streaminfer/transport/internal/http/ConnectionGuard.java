package io.github.streaminfer.transport.internal.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * Counts open connections, in all and per client address, and refuses those beyond either limit (or during
 * shutdown) with 503. When every slot is taken, a new connection first takes the slot of the oldest connection that
 * has not sent a request head yet, so a flood of silent sockets cannot lock clients out. Closes a connection whose output stays unwritable (the client does not read) for
 * {@link io.github.streaminfer.transport.ServerLimits#writeStallTimeout()}.
 *
 * <p><b>Note:</b> one instance per connection; event loop only.
 */
public final class ConnectionGuard extends ChannelInboundHandlerAdapter {
    private final ServerContext server;
    private boolean counted;
    private boolean refused;
    private InetAddress address;
    private ScheduledFuture<?> stallCheck;
    private boolean silent;

    /** @param server server state */
    public ConnectionGuard(ServerContext server) {
        this.server = server;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        counted = true;
        int all = server.connections.incrementAndGet();
        int perAddress = countAddress(ctx); // channelInactive takes both back
        String why = null;
        if (server.shuttingDown) {
            why = "server is shutting down";
        } else if (perAddress > server.limits.maxConnectionsPerAddress()) {
            server.counter("connections_refused_per_address_total").increment();
            why = "too many connections from your address (limit " + server.limits.maxConnectionsPerAddress() + ")";
        } else if (all > server.limits.maxConnections() && !evictOldestSilent()) {
            why = "too many connections (limit " + server.limits.maxConnections() + ")";
        }
        if (why != null) {
            server.counter("connections_refused_total").increment();
            refused = true;
            Http.error(ctx.channel(), null, HttpResponseStatus.SERVICE_UNAVAILABLE, why);
            return;
        }
        server.counter("connections_total").increment();
        silent = true;
        server.silentConnections.addLast(ctx.channel());
        super.channelActive(ctx);
    }

    /**
     * Every slot is taken: closes the oldest connection that has not sent a request head yet, so that sockets held
     * open without a word (a flood of idle connections from many addresses) cannot lock honest clients out until the
     * request timeout. Its slot comes back when it has closed; meanwhile the count is over the limit by the
     * connections admitted this way, at most one per eviction.
     *
     * @return true if a silent connection was closed for this one
     */
    private boolean evictOldestSilent() {
        for (Channel c; (c = server.silentConnections.pollFirst()) != null; ) {
            if (c.isActive()) {
                server.counter("connections_evicted_silent_total").increment();
                c.close();
                return true;
            }
        }
        return false;
    }

    private int countAddress(ChannelHandlerContext ctx) {
        if (ctx.channel().remoteAddress() instanceof InetSocketAddress a && a.getAddress() != null) {
            address = a.getAddress();
            return server.connectionsByAddress.merge(address, 1, Integer::sum);
        }
        return 0;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (refused) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (silent && msg instanceof HttpRequest) {
            silent = false;
            server.silentConnections.remove(ctx.channel());
        }
        super.channelRead(ctx, msg);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
        if (ctx.channel().isWritable()) {
            if (stallCheck != null) {
                stallCheck.cancel(false);
                stallCheck = null;
            }
        } else if (stallCheck == null) {
            stallCheck = ctx.executor().schedule(() -> {
                stallCheck = null;
                if (!ctx.channel().isWritable() && ctx.channel().isActive()) {
                    server.counter("connections_closed_write_stall_total").increment();
                    ctx.close();
                }
            }, server.limits.writeStallTimeout().toNanos(), TimeUnit.NANOSECONDS);
        }
        super.channelWritabilityChanged(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (silent) {
            silent = false;
            server.silentConnections.remove(ctx.channel());
        }
        if (counted) {
            counted = false;
            server.connections.decrementAndGet();
            if (address != null) {
                server.connectionsByAddress.computeIfPresent(address, (k, n) -> n <= 1 ? null : n - 1);
            }
        }
        if (stallCheck != null) {
            stallCheck.cancel(false);
        }
        super.channelInactive(ctx);
    }
}
