package io.github.streaminfer.transport.internal.http;

import io.github.streaminfer.transport.ServerLimits;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.timeout.IdleStateHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * The server's threads and socket: the acceptor and worker event loops, the pipeline every connection gets (TLS,
 * first-byte watch, HTTP codec, connection guard, idle timer, body aggregator, sign-in cookies, router), the bind,
 * and the graceful close.
 *
 * <p><b>Note:</b> built, bound and closed by the thread that owns the server; {@link #close} is idempotent and any
 * thread may call it.
 */
public final class ServerRuntime {
    private static final Logger LOG = LoggerFactory.getLogger(ServerRuntime.class);

    private final IoTransport io;
    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final boolean ownsWorkers;
    private final CompletableFuture<Void> closed = new CompletableFuture<>();
    private Channel serverChannel;
    private volatile boolean closing;

    /**
     * Starts the event loops.
     *
     * @param io        the I/O transport
     * @param workers   the caller's worker loops, or null to start {@code ioThreads} of this server's own
     * @param ioThreads worker loops to start when {@code workers} is null
     */
    public ServerRuntime(IoTransport io, EventLoopGroup workers, int ioThreads) {
        this.io = io;
        this.boss = new MultiThreadIoEventLoopGroup(1, io.ioFactory());
        this.ownsWorkers = workers == null;
        this.workers = ownsWorkers ? new MultiThreadIoEventLoopGroup(ioThreads, io.ioFactory()) : workers;
    }

    /** {@return the worker event loops} */
    public EventLoopGroup workers() {
        return workers;
    }

    /**
     * Binds the socket. On failure the event loops and the blocking executor are stopped.
     *
     * @param server  the server's shared state
     * @param ssl     TLS, or null
     * @param host    the address to bind
     * @param port    the port (0: any free one)
     * @param routes  the mounted routes
     * @param cookies the sign-in cookie handler each connection gets (a new one per call)
     * @return the bound address
     * @throws IllegalStateException if the bind fails
     */
    public InetSocketAddress bind(ServerContext server, SslContext ssl, String host, int port, RouteTable routes,
                                  Supplier<ChannelHandler> cookies) {
        ServerLimits limits = server.limits;
        ServerBootstrap sb = new ServerBootstrap()
                .group(boss, workers)
                .channel(io.serverChannel())
                .option(ChannelOption.SO_BACKLOG, 512)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK,
                        new WriteBufferWaterMark(limits.writeBufferLowBytes(), limits.writeBufferHighBytes()))
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ChannelPipeline p = ch.pipeline();
                        if (ssl != null) {
                            p.addLast("tls", ssl.newHandler(ch.alloc()));
                        }
                        HttpExchange exchange = new HttpExchange(server);
                        p.addLast(HttpExchange.FIRST_BYTE, exchange.firstByteWatch());
                        p.addLast("http", new HttpServerCodec(4096, 16 * 1024, 16 * 1024));
                        p.addLast("guard", new ConnectionGuard(server));
                        p.addLast("idle", new IdleStateHandler(limits.idleTimeout().toNanos(), 0, 0,
                                TimeUnit.NANOSECONDS));
                        p.addLast(HttpExchange.NAME, exchange);
                        p.addLast("aggregator", new BodyAggregator(limits.maxHttpBodyBytes()));
                        p.addLast("login", cookies.get());
                        p.addLast("router", new Router(server, routes.wsRoutes(), routes.httpRoutes(),
                                routes::index));
                    }
                });
        if (limits.socketSendBufferBytes() > 0) {
            sb.childOption(ChannelOption.SO_SNDBUF, limits.socketSendBufferBytes());
        }
        try {
            serverChannel = sb.bind(host, port).sync().channel();
        } catch (Exception e) { // sync() rethrows the bind's checked exception (e.g. BindException) as is
            if (ownsWorkers) {
                workers.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            }
            boss.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            server.blocking.shutdownNow();
            server.parsing.shutdownNow();
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw new IllegalStateException("cannot bind " + host + ":" + port + ": " + e, e);
        }
        return (InetSocketAddress) serverChannel.localAddress();
    }

    /**
     * Blocks until {@link #close} has finished.
     *
     * @throws InterruptedException if interrupted
     */
    public void awaitClose() throws InterruptedException {
        try {
            closed.get();
        } catch (ExecutionException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Graceful stop: refuse new connections, let every connection finish (bounded by the drain timeout), stop the
     * endpoints' own services, stop the threads. A second call waits for the first.
     *
     * @param server       the server's shared state
     * @param stopServices stops what the endpoints run beside their connections (reapers, viewers)
     */
    public void close(ServerContext server, Runnable stopServices) {
        if (closing) {
            try {
                closed.get(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException | TimeoutException e) {
                LOG.warn("waiting for close: {}", e.toString());
            }
            return;
        }
        closing = true;
        server.shuttingDown = true;
        try {
            serverChannel.close().syncUninterruptibly();
            List<CompletableFuture<Void>> pending = new ArrayList<>();
            for (ServerContext.Graceful g : List.copyOf(server.graceful)) {
                try {
                    pending.add(g.shutdown());
                } catch (RuntimeException e) {
                    LOG.debug("graceful close failed", e);
                }
            }
            stopServices.run();
            long waitMillis = server.limits.closeDrainTimeout().toMillis() + 2000;
            try {
                CompletableFuture.allOf(pending.toArray(new CompletableFuture<?>[0])).get(waitMillis,
                        TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                LOG.warn("{} connection(s) did not finish within {} ms; closing them", pending.stream()
                        .filter(f -> !f.isDone()).count(), waitMillis);
            } catch (ExecutionException e) {
                LOG.debug("graceful close failed", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (ownsWorkers) {
                workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
            }
            boss.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
            server.parsing.shutdownNow(); // no connection is left to hand a parsed message to
            server.blocking.shutdown();
            try {
                if (!server.blocking.awaitTermination(5, TimeUnit.SECONDS)) {
                    server.blocking.shutdownNow();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        } finally {
            closed.complete(null);
        }
    }
}
