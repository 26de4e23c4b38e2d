package io.github.streaminfer.transport;

import io.github.streaminfer.session.WorkerPool;
import io.github.streaminfer.transport.detection.DetectionEndpoint;
import io.github.streaminfer.transport.internal.detection.DetectionService;
import io.github.streaminfer.transport.internal.http.DrainGate;
import io.github.streaminfer.transport.internal.http.IoTransport;
import io.github.streaminfer.transport.internal.http.Metrics;
import io.github.streaminfer.transport.internal.http.RouteTable;
import io.github.streaminfer.transport.internal.http.Router;
import io.github.streaminfer.transport.internal.http.ServerContext;
import io.github.streaminfer.transport.internal.http.ServerRuntime;
import io.github.streaminfer.transport.internal.openpi.OpenPiHandler;
import io.github.streaminfer.transport.internal.pages.BrowserLogin;
import io.github.streaminfer.transport.internal.pages.BrowserPages;
import io.github.streaminfer.transport.internal.pages.SseViewerRoute;
import io.github.streaminfer.transport.internal.pages.ViewerHandler;
import io.github.streaminfer.transport.internal.pages.ViewerHub;
import io.github.streaminfer.transport.internal.signal.SignalService;
import io.github.streaminfer.transport.internal.vla.VlaHandler;
import io.github.streaminfer.transport.openpi.OpenPiEndpoint;
import io.github.streaminfer.transport.signal.SignalEndpoint;
import io.github.streaminfer.transport.vla.VlaEndpoint;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLException;
import java.io.File;
import java.net.InetSocketAddress;
import java.time.Duration;
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
    private final IoTransport io;
    private final ServerRuntime runtime;
    private final boolean tls;
    private final String host;
    private final int port;
    private final List<String> urls;
    private final DetectionService<?> detection;
    private final ViewerHub viewers;
    /** The signal endpoint's start-up warm-up, which sends one request to this server from loopback. */
    private final CompletableFuture<Void> warmUp;

    private StreamingServer(Builder b) {
        this.io = b.eventLoops != null ? b.eventLoops.io() : IoTransport.select(b.nativeTransport);
        this.runtime = new ServerRuntime(io, b.eventLoops == null ? null : b.eventLoops.group(), b.ioThreads);
        this.ctx = new ServerContext(b.limits, b.messages, b.access, runtime.workers(), b.blockingThreads);
        ctx.registry = b.registry; // where slots are counted and REST sessions announced
        this.tls = b.sslContext != null;
        RouteTable routes = new RouteTable(tls);
        if (b.vla != null) {
            VlaEndpoint<?> v = b.vla;
            routes.ws(new Router.WsRoute(v.path(), "vla", () -> new VlaHandler<>(ctx, v), null));
            routes.describeWs(v.path(), "VLA WebSocket (auth/frame/stats/close)");
        }
        if (b.detection != null) {
            DetectionService<?> d = this.detection = new DetectionService<>(ctx, b.detection);
            this.viewers = new ViewerHub(io.ioFactory());
            routes.ws(BrowserPages.cameraRoute(d.wsRoute(), viewers));
            routes.ws(BrowserPages.viewerRoute(ctx, viewers));
            routes.http(new SseViewerRoute(ctx, viewers).routes()); // before the detection routes, which own /stream/
            routes.http(d.routes());
            d.describe(routes);
            routes.describeWs(ViewerHandler.PATH, "camera viewers: annotated frames (WebSocket)");
            routes.describeHttp(SseViewerRoute.PATH, "camera viewers: annotated frames (SSE)");
        } else {
            this.detection = null;
            this.viewers = null;
        }
        SignalService<?> signal = b.signal == null ? null : new SignalService<>(ctx, b.signal);
        if (signal != null) {
            routes.http(signal.routes());
            signal.describe(routes);
        }
        if (b.openPi != null) {
            OpenPiEndpoint<?> o = b.openPi;
            routes.ws(new Router.WsRoute(o.path(), "openpi", () -> null, OpenPiHandler.admit(ctx, o)));
            routes.describeWs(o.path(), "openpi-compatible policy WebSocket (msgpack)");
        }
        routes.mountCommon(ctx, new Metrics(ctx));
        BrowserLogin login = new BrowserLogin(ctx);
        BrowserPages.addRoutes(routes.httpRoutes(), routes.described(), ctx, login, viewers, routes.httpScheme());
        routes.describeHttp("/healthz", "liveness (OK)");
        routes.describeHttp(DrainGate.READY_PATH, "readiness (503 while draining)");
        routes.describeHttp("/metrics", "Prometheus metrics");

        InetSocketAddress bound = runtime.bind(ctx, b.sslContext, b.host, b.port, routes, login::cookieHandler);
        this.host = b.host;
        this.port = bound.getPort();
        this.urls = routes.urls(host, port);
        if (detection != null) {
            detection.start();
        }
        if (signal != null) {
            // the first stream must not pay for class loading, the model's first runs and a cold HTTP path
            warmUp = signal.warmUp(tls ? null : new InetSocketAddress(bound.getAddress().isAnyLocalAddress()
                    ? java.net.InetAddress.getLoopbackAddress() : bound.getAddress(), port));
        } else {
            warmUp = CompletableFuture.completedFuture(null);
        }
        if (b.access.isOpen()) {
            LOG.warn("no API key configured: every client is admitted with tier '{}'", Tier.OPEN.name());
        }
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
        runtime.awaitClose();
    }

    /**
     * Starts draining: {@code /ready} answers 503 from now on and requests that would open a session are refused
     * with 503, while the sessions already open go on until their clients leave or {@link #close()} ends them. A
     * load balancer that checks {@code /ready} sends new clients to other instances. Idempotent.
     *
     * @since 0.1.0
     */
    public void beginDrain() {
        ctx.draining = true;
    }

    /**
     * {@return true once {@link #beginDrain()} or {@link #close()} was called}
     *
     * @since 0.1.0
     */
    public boolean isDraining() {
        return ctx.draining || ctx.shuttingDown;
    }

    /**
     * Graceful stop: refuse new connections, let every session finish its accepted frames (bounded), send final
     * messages, close connections, stop threads. Idempotent.
     */
    @Override
    public void close() {
        runtime.close(ctx, () -> {
            if (detection != null) {
                detection.stop();
            }
            if (viewers != null) {
                viewers.close();
            }
        });
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
         * @since 0.1.0
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
