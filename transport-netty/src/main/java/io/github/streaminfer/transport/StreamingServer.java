package io.github.streaminfer.transport;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.streaminfer.session.WorkerPool;
import io.github.streaminfer.transport.internal.BodyAggregator;
import io.github.streaminfer.transport.internal.BrowserLogin;
import io.github.streaminfer.transport.internal.BrowserPages;
import io.github.streaminfer.transport.internal.ConnectionGuard;
import io.github.streaminfer.transport.internal.DetectionService;
import io.github.streaminfer.transport.internal.DrainGate;
import io.github.streaminfer.transport.internal.Http;
import io.github.streaminfer.transport.internal.HttpExchange;
import io.github.streaminfer.transport.internal.IoTransport;
import io.github.streaminfer.transport.internal.Json;
import io.github.streaminfer.transport.internal.Metrics;
import io.github.streaminfer.transport.internal.OpenPiHandler;
import io.github.streaminfer.transport.internal.Router;
import io.github.streaminfer.transport.internal.ServerContext;
import io.github.streaminfer.transport.internal.SignalService;
import io.github.streaminfer.transport.internal.ViewerHandler;
import io.github.streaminfer.transport.internal.ViewerHub;
import io.github.streaminfer.transport.internal.VlaHandler;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.timeout.IdleStateHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLException;
import java.io.File;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A Netty server exposing chosen endpoints over chosen session factories: the VLA WebSocket, the detection
 * WebSocket and REST + SSE API, the signal SSE stream, an openpi-compatible policy WebSocket, {@code /metrics} and
 * {@code /healthz}. See {@code transport-netty/PROTOCOL.md} for every message.
 *
 * <pre>{@code
 * try (StreamingServer server = StreamingServer.builder()
 *         .host("127.0.0.1").port(8000)
 *         .access(AccessPolicy.builder().apiKey("vla_live_0123456789", Tier.PRO).build())
 *         .vla(VlaEndpoint.of(factory, ActionEncoder.floatVector()))
 *         .start()) {
 *     server.endpointUrls().forEach(System.out::println);
 *     server.awaitClose();
 * }
 * }</pre>
 *
 * <p>By default inference never runs on an event loop: each client's session has its own worker (or a
 * {@code WorkerPool} chosen by the factory) and results are written back from the worker. A server built on shared
 * {@link EventLoops} whose factories use a {@code WorkerPool.onExecutors} pool over those loops runs each frame on
 * the event loop that read it instead (see {@link EventLoops} for the trade). Session open/close, single inferences
 * and benchmarks always run on a small blocking executor.
 *
 * <p><b>Note:</b> thread-safe. {@link #close()} is graceful: new connections are refused, every session finishes the
 * frames it accepted (bounded by {@link ServerLimits#closeDrainTimeout()}), WebSocket clients get final stats and
 * close code 1001, streams get their completion event.
 *
 * @since 0.1.0
 */
public final class StreamingServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StreamingServer.class);

    private final ServerContext ctx;
    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final boolean ownsWorkers;
    private final IoTransport io;
    private final Channel serverChannel;
    private final boolean tls;
    private final String host;
    private final int port;
    private final List<String> urls;
    private final DetectionService<?> detection;
    private final SignalService<?> signal;
    private final ViewerHub viewers;
    private final CompletableFuture<Void> closed = new CompletableFuture<>();
    /** The signal endpoint's start-up warm-up, which sends one request to this server from loopback. */
    private final CompletableFuture<Void> warmUp;
    private volatile boolean closing;

    private StreamingServer(Builder b) {
        this.io = b.eventLoops != null ? b.eventLoops.io() : IoTransport.select(b.nativeTransport);
        this.boss = new MultiThreadIoEventLoopGroup(1, io.ioFactory());
        this.ownsWorkers = b.eventLoops == null;
        this.workers = ownsWorkers ? new MultiThreadIoEventLoopGroup(b.ioThreads, io.ioFactory())
                : b.eventLoops.group();
        this.ctx = new ServerContext(b.limits, b.messages, b.access, workers, b.blockingThreads);
        ctx.registry = b.registry; // cluster hook: where slots are counted and REST sessions announced
        this.tls = b.sslContext != null;
        Metrics metrics = new Metrics(ctx);
        List<Router.WsRoute> ws = new ArrayList<>();
        List<Router.HttpRoutes> http = new ArrayList<>();
        List<String[]> described = new ArrayList<>();
        String wsScheme = tls ? "wss" : "ws";
        String httpScheme = tls ? "https" : "http";
        if (b.vla != null) {
            VlaEndpoint<?> v = b.vla;
            ws.add(new Router.WsRoute(v.path(), "vla", () -> vlaHandler(v), null));
            described.add(new String[]{wsScheme, v.path(), "VLA WebSocket (auth/frame/stats/close)"});
        }
        if (b.detection != null) {
            DetectionService<?> d = new DetectionService<>(ctx, b.detection);
            this.detection = d;
            this.viewers = new ViewerHub();
            ws.add(BrowserPages.cameraRoute(d.wsRoute(), viewers));
            ws.add(BrowserPages.viewerRoute(ctx, viewers));
            http.add(d.routes());
            described.add(new String[]{wsScheme, "/stream/detection", "detection WebSocket"});
            described.add(new String[]{httpScheme, "/stream/sessions", "detection REST sessions (POST)"});
            described.add(new String[]{httpScheme, "/stream/events/{id}", "detection results (SSE)"});
            described.add(new String[]{httpScheme, "/stream/process/{id}", "detection frame upload (POST)"});
            described.add(new String[]{httpScheme, "/stream/health", "detection health"});
            described.add(new String[]{httpScheme, "/stream/stats", "detection statistics"});
            described.add(new String[]{wsScheme, ViewerHandler.PATH, "camera viewers: annotated frames (WebSocket)"});
        } else {
            this.detection = null;
            this.viewers = null;
        }
        this.signal = b.signal == null ? null : new SignalService<>(ctx, b.signal);
        if (signal != null) {
            http.add(signal.routes());
            described.add(new String[]{httpScheme, "/infer/stream", "signal inference stream (POST, SSE)"});
            described.add(new String[]{httpScheme, "/infer", "single inference (POST)"});
            described.add(new String[]{httpScheme, "/infer/stream/stats", "signal stream capabilities"});
            described.add(new String[]{httpScheme, "/benchmark", "benchmark per backend (POST)"});
            described.add(new String[]{httpScheme, "/health", "health"});
        }
        if (b.openPi != null) {
            OpenPiEndpoint<?> o = b.openPi;
            ws.add(new Router.WsRoute(o.path(), "openpi", () -> null, OpenPiHandler.admit(ctx, o)));
            described.add(new String[]{wsScheme, o.path(), "openpi-compatible policy WebSocket (msgpack)"});
        }
        http.add((c, req, path, query) -> common(c, req, path, metrics));
        BrowserLogin login = new BrowserLogin(ctx);
        BrowserPages.addRoutes(http, described, ctx, login, viewers, httpScheme);
        described.add(new String[]{httpScheme, "/healthz", "liveness (OK)"});
        described.add(new String[]{httpScheme, DrainGate.READY_PATH, "readiness (503 while draining)"});
        described.add(new String[]{httpScheme, "/metrics", "Prometheus metrics"});

        SslContext ssl = b.sslContext;
        ServerLimits limits = b.limits;
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
                        HttpExchange exchange = new HttpExchange(ctx);
                        p.addLast(HttpExchange.FIRST_BYTE, exchange.firstByteWatch());
                        p.addLast("http", new HttpServerCodec(4096, 16 * 1024, 16 * 1024));
                        p.addLast("guard", new ConnectionGuard(ctx));
                        p.addLast("idle", new IdleStateHandler(limits.idleTimeout().toNanos(), 0, 0,
                                TimeUnit.NANOSECONDS));
                        p.addLast(HttpExchange.NAME, exchange);
                        p.addLast("aggregator", new BodyAggregator(limits.maxHttpBodyBytes()));
                        p.addLast("login", login.cookieHandler());
                        p.addLast("router", new Router(ctx, ws, http, () -> index(described)));
                    }
                });
        if (limits.socketSendBufferBytes() > 0) {
            sb.childOption(ChannelOption.SO_SNDBUF, limits.socketSendBufferBytes());
        }
        try {
            this.serverChannel = sb.bind(b.host, b.port).sync().channel();
        } catch (Exception e) { // sync() rethrows the bind's checked exception (e.g. BindException) as is
            if (ownsWorkers) {
                workers.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            }
            boss.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            ctx.blocking.shutdownNow();
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw new IllegalStateException("cannot bind " + b.host + ":" + b.port + ": " + e, e);
        }
        this.host = b.host;
        this.port = ((InetSocketAddress) serverChannel.localAddress()).getPort();
        List<String> u = new ArrayList<>();
        for (String[] d : described) {
            u.add(d[0] + "://" + hostForUrl() + ":" + port + d[1] + "  " + d[2]);
        }
        this.urls = List.copyOf(u);
        if (detection != null) {
            detection.start();
        }
        if (signal != null) {
            // the first stream must not pay for class loading, the model's first runs and a cold HTTP path
            InetSocketAddress bound = (InetSocketAddress) serverChannel.localAddress();
            warmUp = signal.warmUp(tls ? null : new InetSocketAddress(bound.getAddress().isAnyLocalAddress()
                    ? java.net.InetAddress.getLoopbackAddress() : bound.getAddress(), port));
        } else {
            warmUp = CompletableFuture.completedFuture(null);
        }
        if (b.access.isOpen()) {
            LOG.warn("no API key configured: every client is admitted with tier '{}'", Tier.OPEN.name());
        }
    }

    private String hostForUrl() {
        return host.contains(":") ? "[" + host + "]" : host;
    }

    private <O> VlaHandler<O> vlaHandler(VlaEndpoint<O> v) {
        return new VlaHandler<>(ctx, v);
    }

    private ObjectNode index(List<String[]> described) {
        ObjectNode o = Json.object();
        o.put("service", "streaminfer");
        ArrayNode a = o.putArray("endpoints");
        for (String[] d : described) {
            ObjectNode e = a.addObject();
            e.put("path", d[1]);
            e.put("scheme", d[0]);
            e.put("description", d[2]);
        }
        return o;
    }

    private boolean common(ChannelHandlerContext c, FullHttpRequest req, String path, Metrics metrics) {
        Channel ch = c.channel();
        if (path.equals("/healthz")) {
            Http.text(ch, req, "OK\n");
            return true;
        }
        if (path.equals(DrainGate.READY_PATH)) { // readiness hook
            DrainGate.readiness(ctx, ch, req);
            return true;
        }
        if (path.equals("/metrics")) {
            if (!req.method().equals(HttpMethod.GET)) {
                Http.error(ch, req, HttpResponseStatus.METHOD_NOT_ALLOWED, "use GET");
                return true;
            }
            boolean perSession = ctx.access.showsSessionMetrics(Http.apiKey(req,
                    Http.acceptsQueryKey(ctx.access, req) ? new QueryStringDecoder(req.uri()) : null));
            Http.send(ch, req, HttpResponseStatus.OK, Unpooled.copiedBuffer(metrics.render(perSession),
                    StandardCharsets.UTF_8), "text/plain; version=0.0.4; charset=utf-8");
            return true;
        }
        return false;
    }

    /** @return a builder */
    public static Builder builder() {
        return new Builder();
    }

    /** {@return the socket layer the event loops run on: {@code "epoll"} or {@code "nio"}} */
    public String ioTransport() {
        return io.name();
    }

    /** {@return why the native epoll transport is not used, or null when it is} */
    public String ioTransportFallbackCause() {
        return io.fallbackCause();
    }

    /** @return the bound port (useful when built with port 0) */
    public int port() {
        return port;
    }

    /** @return the bound host */
    public String host() {
        return host;
    }

    /** @return true if the server speaks TLS */
    public boolean isTls() {
        return tls;
    }

    /** @return one line per endpoint: URL and description */
    public List<String> endpointUrls() {
        return urls;
    }

    /** @return live sessions over all endpoints */
    public int activeSessions() {
        return ctx.sessions.size();
    }

    /** @return open connections */
    public int openConnections() {
        return ctx.connections.get();
    }

    /** Waits (tests) until the start-up warm-up, and its own loopback connection, have finished. */
    boolean awaitWarmUp(Duration timeout) {
        try {
            warmUp.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (ExecutionException | TimeoutException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * Blocks until {@link #close()} has finished.
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
     * Starts draining: {@code /ready} answers 503 from now on and requests that would open a session are refused
     * with 503, while the sessions already open go on until their clients leave or {@link #close()} ends them. A
     * load balancer that checks {@code /ready} sends new clients to other instances. Idempotent.
     */
    public void beginDrain() {
        ctx.draining = true;
    }

    /** {@return true once {@link #beginDrain()} or {@link #close()} was called} */
    public boolean isDraining() {
        return ctx.draining || closing;
    }

    /**
     * Graceful stop: refuse new connections, let every session finish its accepted frames (bounded), send final
     * messages, close connections, stop threads. Idempotent.
     */
    @Override
    public void close() {
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
        ctx.shuttingDown = true;
        try {
            serverChannel.close().syncUninterruptibly();
            List<CompletableFuture<Void>> pending = new ArrayList<>();
            for (ServerContext.Graceful g : List.copyOf(ctx.graceful)) {
                try {
                    pending.add(g.shutdown());
                } catch (RuntimeException e) {
                    LOG.debug("graceful close failed", e);
                }
            }
            if (detection != null) {
                detection.stop();
            }
            if (viewers != null) {
                viewers.close();
            }
            long waitMillis = ctx.limits.closeDrainTimeout().toMillis() + 2000;
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
            ctx.blocking.shutdown();
            try {
                if (!ctx.blocking.awaitTermination(5, TimeUnit.SECONDS)) {
                    ctx.blocking.shutdownNow();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        } finally {
            closed.complete(null);
        }
    }

    /** Builder for {@link StreamingServer}; {@link #start()} binds. */
    public static final class Builder {
        private String host = "127.0.0.1";
        private int port = 8000;
        private ServerLimits limits = ServerLimits.DEFAULT;
        private MessageLimits messages = MessageLimits.DEFAULT;
        private AccessPolicy access = AccessPolicy.OPEN;
        private SslContext sslContext;
        private VlaEndpoint<?> vla;
        private DetectionEndpoint<?> detection;
        private SignalEndpoint<?> signal;
        private OpenPiEndpoint<?> openPi;
        private int ioThreads = WorkerPool.serverEventLoops();
        private boolean nativeTransport = true;
        private int blockingThreads = 4;
        private EventLoops eventLoops;
        private SessionRegistry registry = SessionRegistry.inProcess();

        private Builder() {
        }

        /**
         * Sets where concurrent sessions per API key are counted and detection REST sessions announced. The default,
         * {@link SessionRegistry#inProcess()}, is one server on its own; a shared registry makes tier limits hold
         * across every instance that shares it, and answers a request for another instance's session with a
         * redirect there. The server does not close the registry.
         *
         * @param registry the registry
         * @return this
         */
        public Builder sessionRegistry(SessionRegistry registry) {
            this.registry = Objects.requireNonNull(registry, "registry");
            return this;
        }

        /**
         * @param host address to bind (default 127.0.0.1)
         * @return this
         */
        public Builder host(String host) {
            this.host = Objects.requireNonNull(host, "host");
            return this;
        }

        /**
         * @param port port, 0 for an ephemeral one (default 8000)
         * @return this
         */
        public Builder port(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port is " + port + "; allowed: 0 to 65535");
            }
            this.port = port;
            return this;
        }

        /**
         * @param limits sizes and timeouts
         * @return this
         */
        public Builder limits(ServerLimits limits) {
            this.limits = Objects.requireNonNull(limits, "limits");
            return this;
        }

        /**
         * Sets what one message may cost: the size before authentication, JSON tokens, image budgets and the
         * frame-rate catch-up.
         *
         * @param messages the limits (default {@link MessageLimits#DEFAULT})
         * @return this
         */
        public Builder messageLimits(MessageLimits messages) {
            this.messages = Objects.requireNonNull(messages, "messages");
            return this;
        }

        /**
         * @param access API keys, tiers, origins
         * @return this
         */
        public Builder access(AccessPolicy access) {
            this.access = Objects.requireNonNull(access, "access");
            return this;
        }

        /**
         * @param sslContext a server TLS context, or null for plain text
         * @return this
         */
        public Builder tls(SslContext sslContext) {
            this.sslContext = sslContext;
            return this;
        }

        /**
         * @param certChainPem PEM certificate chain
         * @param keyPem       PEM private key (PKCS#8)
         * @return this
         * @throws IllegalArgumentException if the files cannot be read as a certificate and key
         */
        public Builder tls(File certChainPem, File keyPem) {
            try {
                this.sslContext = SslContextBuilder.forServer(certChainPem, keyPem).build();
            } catch (SSLException | IllegalArgumentException e) {
                throw new IllegalArgumentException("cannot use TLS certificate '" + certChainPem + "' and key '"
                        + keyPem + "': " + e.getMessage(), e);
            }
            return this;
        }

        /**
         * @param endpoint the VLA WebSocket
         * @return this
         */
        public Builder vla(VlaEndpoint<?> endpoint) {
            this.vla = endpoint;
            return this;
        }

        /**
         * @param endpoint the detection WebSocket and REST + SSE API
         * @return this
         */
        public Builder detection(DetectionEndpoint<?> endpoint) {
            this.detection = endpoint;
            return this;
        }

        /**
         * @param endpoint the signal SSE stream and its REST companions
         * @return this
         */
        public Builder signal(SignalEndpoint<?> endpoint) {
            this.signal = endpoint;
            return this;
        }

        /**
         * @param endpoint the openpi-compatible policy WebSocket
         * @return this
         */
        public Builder openPi(OpenPiEndpoint<?> endpoint) {
            this.openPi = endpoint;
            return this;
        }

        /**
         * Sets the number of Netty event loops. The default, {@link WorkerPool#serverEventLoops()} (a quarter of
         * the cores, at least one), pairs with a {@link WorkerPool#forServer(String, int)} pool for the sessions, so
         * event loops plus workers do not oversubscribe the machine.
         *
         * @param threads Netty I/O threads, {@code >= 1}
         * @return this
         */
        public Builder ioThreads(int threads) {
            if (threads < 1) {
                throw new IllegalArgumentException("ioThreads is " + threads + "; allowed: >= 1");
            }
            this.ioThreads = threads;
            return this;
        }

        /**
         * Chooses Linux's native epoll transport when its library loads (the default) or Java NIO always.
         *
         * @param preferNative false forces NIO
         * @return this
         */
        public Builder nativeTransport(boolean preferNative) {
            this.nativeTransport = preferNative;
            return this;
        }

        /**
         * Runs the server's connections on shared event loops instead of loops of its own; {@link #ioThreads} and
         * {@link #nativeTransport} are then theirs, and closing the server leaves them running.
         *
         * @param loops the shared loops
         * @return this
         */
        public Builder eventLoops(EventLoops loops) {
            this.eventLoops = java.util.Objects.requireNonNull(loops, "loops");
            return this;
        }

        /**
         * Sets the threads for session open/close, single inferences and benchmarks.
         *
         * @param threads threads for session open/close, single inferences and benchmarks (default 4)
         * @return this
         */
        public Builder blockingThreads(int threads) {
            if (threads < 1) {
                throw new IllegalArgumentException("blockingThreads is " + threads + "; allowed: >= 1");
            }
            this.blockingThreads = threads;
            return this;
        }

        /**
         * Binds and starts the server.
         *
         * @return the running server
         * @throws IllegalStateException if binding fails (the message names the address)
         */
        public StreamingServer start() {
            if (vla != null && openPi != null && vla.path().equals(openPi.path())) {
                throw new IllegalArgumentException("VLA and openpi endpoints share path '" + vla.path() + "'");
            }
            return new StreamingServer(this);
        }
    }
}
