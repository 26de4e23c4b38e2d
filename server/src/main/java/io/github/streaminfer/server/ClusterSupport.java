package io.github.streaminfer.server;

import io.github.streaminfer.registry.redis.RedisRegistryConfig;
import io.github.streaminfer.registry.redis.RedisSessionRegistry;
import io.github.streaminfer.transport.SessionRegistry;
import io.github.streaminfer.transport.StreamingServer;

import java.io.PrintStream;
import java.net.URI;
import java.time.Duration;

/**
 * The standalone server in a cluster: the session registry that {@code --redis} asks for, the address the instance
 * advertises, and the drain on SIGTERM (readiness fails first, open sessions get a bounded time, then the server
 * stops).
 *
 * <p><b>Note:</b> stateless; called from {@code main} and the shutdown hook.
 */
final class ClusterSupport {
    private ClusterSupport() {
    }

    /**
     * {@return the registry the options ask for: Redis with {@code --redis}, else one of this process only}
     *
     * @param o   options
     * @param log where to print
     * @throws IllegalStateException if Redis cannot be reached
     */
    static SessionRegistry registry(ServerOptions o, PrintStream log) {
        if (o.redis == null) {
            return SessionRegistry.inProcess();
        }
        URI uri;
        try {
            uri = URI.create(o.redis);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--redis is '" + o.redis + "'; allowed: redis://host[:port][/db]", e);
        }
        String id = o.instanceId != null ? o.instanceId : defaultInstanceId(o);
        RedisRegistryConfig cfg = RedisRegistryConfig.builder().redisUri(uri).instanceId(id)
                .advertise(o.advertise != null ? o.advertise : hostForUrl(o.host) + ":" + o.port)
                .ttl(Duration.ofMillis(Math.round(o.registryTtlSeconds * 1000))).build();
        RedisSessionRegistry r = RedisSessionRegistry.connect(cfg);
        log.println(StreamingServerMain.LOG_PREFIX + "session registry: Redis " + uri.getHost()
                + (uri.getPort() > 0 ? ":" + uri.getPort() : "") + ", instance '" + id + "', TTL "
                + cfg.ttl().toMillis() + " ms");
        return r;
    }

    /** Announces the bound address when {@code --advertise} was not given (the port may have been 0). */
    static void advertiseBound(SessionRegistry registry, ServerOptions o, StreamingServer server, PrintStream log) {
        if (registry instanceof RedisSessionRegistry r) {
            if (o.advertise == null) {
                r.advertise(hostForUrl(o.host) + ":" + server.port());
            }
            log.println(StreamingServerMain.LOG_PREFIX + "advertised as " + r.advertised());
        }
    }

    private static String defaultInstanceId(ServerOptions o) {
        String host;
        try {
            host = java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.net.UnknownHostException e) {
            host = "streaminfer";
        }
        return (host + "-" + ProcessHandle.current().pid()).replaceAll("[^A-Za-z0-9._:-]", "-");
    }

    private static String hostForUrl(String host) {
        String h = host.equals("0.0.0.0") || host.equals("::") ? "127.0.0.1" : host;
        return h.contains(":") ? "[" + h + "]" : h;
    }

    /**
     * Drains, then stops: readiness fails and new sessions are refused at once; open sessions go on until none is
     * left or {@code drain} has passed; then the server closes (which ends what is left gracefully).
     *
     * @param running the server and what it owns
     * @param drain   the most time open sessions get
     * @param log     where to print
     */
    static void drainThenClose(StreamingServerMain.Running running, Duration drain, PrintStream log) {
        StreamingServer server = running.server();
        server.beginDrain();
        long deadline = System.nanoTime() + drain.toNanos();
        int open = server.activeSessions();
        if (!drain.isZero()) {
            log.println(StreamingServerMain.LOG_PREFIX + "draining: /ready fails, new sessions are refused; " + open
                    + " open session(s) get up to " + drain.toSeconds() + " s");
        }
        while (open > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            open = server.activeSessions();
        }
        if (!drain.isZero()) {
            log.println(StreamingServerMain.LOG_PREFIX + "drained: " + open + " session(s) still open are closed now");
        }
        running.close();
    }
}
