package io.github.streaminfer.transport.internal.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.streaminfer.stats.HistogramRecorder;
import io.github.streaminfer.stats.LogLinearHistogram;
import io.github.streaminfer.transport.AccessPolicy;
import io.github.streaminfer.transport.MessageLimits;
import io.github.streaminfer.transport.ServerLimits;
import io.netty.channel.EventLoopGroup;

import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * State shared by every connection of one server: limits, access, the blocking-work executor (session open/close,
 * single inferences, benchmarks; never an event loop), the live sessions and the metrics.
 *
 * <p><b>Note:</b> thread-safe.
 */
public final class ServerContext {
    /** Something that must be closed gracefully when the server stops (a WebSocket or stream). */
    public interface Graceful {
        /**
         * Starts a graceful close: finish accepted frames, send final messages, close.
         *
         * @return completes when the connection is closed
         */
        CompletableFuture<Void> shutdown();
    }

    /** Server limits. */
    public final ServerLimits limits;
    /** What one message may cost. */
    public final MessageLimits messages;
    /** Reads JSON messages and bodies within {@link MessageLimits#maxJsonTokens()}. */
    public final ObjectMapper json;
    /** Warnings about clients, rate-limited per kind. */
    public final RateLimitedLog warnings = new RateLimitedLog(RateLimitedLog.DEFAULT_PER_INTERVAL,
            RateLimitedLog.DEFAULT_INTERVAL_NANOS);
    /** Access policy. */
    public final AccessPolicy access;
    /** Event loops (for scheduling). */
    public final EventLoopGroup group;
    /** Where blocking work runs. */
    public final ExecutorService blocking;
    /**
     * Where large messages are parsed ({@link OffLoopWork}): half the cores, at least one thread. Each connection has
     * at most one message here at a time, so the queue is bounded by the connections.
     */
    public final ExecutorService parsing;
    /** Open connections. */
    public final AtomicInteger connections = new AtomicInteger();
    /** Open connections per client address; an address leaves the map with its last connection. */
    public final Map<java.net.InetAddress, Integer> connectionsByAddress = new ConcurrentHashMap<>();
    /**
     * Open connections that have not sent a request head yet, oldest first: when every connection slot is taken, the
     * oldest of these makes room for a new client (see {@link ConnectionGuard}).
     */
    public final java.util.concurrent.ConcurrentLinkedDeque<io.netty.channel.Channel> silentConnections =
            new java.util.concurrent.ConcurrentLinkedDeque<>();
    /** Request body bytes reserved by every connection together (see {@link ServerLimits#maxBufferedRequestBytes()}). */
    public final java.util.concurrent.atomic.AtomicLong bufferedRequestBytes = new java.util.concurrent.atomic.AtomicLong();
    /** Live sessions by id. */
    public final Map<String, LiveSession> sessions = new ConcurrentHashMap<>();
    /** Graceful closers. */
    public final Set<Graceful> graceful = ConcurrentHashMap.newKeySet();
    /** Counters by name. */
    private final Map<String, LongAdder> counters = new ConcurrentHashMap<>();
    /** Largest latency {@link #latency} tells apart: one hour, in nanoseconds. */
    public static final long LATENCY_HIGHEST_NANOS = 3_600_000_000_000L;
    /** Transport-measured result latency, capture to publication, ns; recorded by any thread. */
    public final HistogramRecorder latency = HistogramRecorder.multiWriter(LATENCY_HIGHEST_NANOS,
            LogLinearHistogram.DEFAULT_PRECISION_BITS);
    /** Set when the server is stopping. */
    public volatile boolean shuttingDown;
    /** Set when the server drains: readiness fails and new sessions are refused; existing ones go on. */
    public volatile boolean draining;
    /** Where session slots are counted and REST sessions announced; set once before the server binds. */
    public volatile io.github.streaminfer.transport.SessionRegistry registry =
            io.github.streaminfer.transport.SessionRegistry.inProcess();

    /**
     * @param limits          limits
     * @param access          access
     * @param group           event loops
     * @param blockingThreads threads for blocking work
     */
    public ServerContext(ServerLimits limits, AccessPolicy access, EventLoopGroup group, int blockingThreads) {
        this(limits, MessageLimits.DEFAULT, access, group, blockingThreads);
    }

    /**
     * @param limits          limits
     * @param messages        what one message may cost
     * @param access          access
     * @param group           event loops
     * @param blockingThreads threads for blocking work
     */
    public ServerContext(ServerLimits limits, MessageLimits messages, AccessPolicy access, EventLoopGroup group,
                         int blockingThreads) {
        this.limits = limits;
        this.messages = messages;
        this.json = Json.mapper(messages.maxJsonTokens());
        this.access = access;
        this.group = group;
        AtomicInteger n = new AtomicInteger();
        this.blocking = new ThreadPoolExecutor(blockingThreads, blockingThreads, 30, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(4096), r -> {
                    Thread t = new Thread(r, "streaminfer-transport-blocking-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        int parsers = Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
        AtomicInteger p = new AtomicInteger();
        this.parsing = new ThreadPoolExecutor(parsers, parsers, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "streaminfer-transport-parse-" + p.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * @param name counter name (a metric name suffix, with labels)
     * @return the counter
     */
    public LongAdder counter(String name) {
        return counters.computeIfAbsent(name, k -> new LongAdder());
    }

    /** @return all counters */
    public Map<String, LongAdder> counters() {
        return counters;
    }

    /**
     * Reserves a session slot for a client's tier.
     *
     * @param principal who
     * @return true if under the tier's concurrent-session limit
     */
    public boolean tryAcquireSlot(AccessPolicy.Principal principal) {
        // cluster hook: the registry counts (in memory by default, cluster-wide when shared)
        if (!registry.tryAcquireSlot(principal.keyId(), principal.tier().maxConcurrentSessions())) {
            counter("tier_rejections_total").increment();
            return false;
        }
        return true;
    }

    /** @param principal who gives a slot back */
    public void releaseSlot(AccessPolicy.Principal principal) {
        registry.releaseSlot(principal.keyId());
    }

    /**
     * @param endpoint  endpoint name
     * @param principal owner
     * @return a registered live session with a fresh id
     */
    public LiveSession register(String endpoint, AccessPolicy.Principal principal) {
        LiveSession s = new LiveSession(UUID.randomUUID().toString(), endpoint, principal);
        sessions.put(s.id, s);
        counter("sessions_opened_total{endpoint=\"" + endpoint + "\"}").increment();
        return s;
    }

    /** @param s a session to forget */
    public void unregister(LiveSession s) {
        if (s != null && sessions.remove(s.id) != null) {
            counter("sessions_closed_total{endpoint=\"" + s.endpoint + "\"}").increment();
        }
    }

    /**
     * @param endpoint endpoint name
     * @return live sessions of that endpoint
     */
    public long activeSessions(String endpoint) {
        return sessions.values().stream().filter(s -> s.endpoint.equals(endpoint)).count();
    }
}
