package io.github.streaminfer.registry.redis;

import io.github.streaminfer.transport.SessionRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.params.SetParams;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A {@link SessionRegistry} in Redis, shared by every instance of a cluster (see the package description for the
 * keys). The instance's own key, its sessions and its slot counts are renewed every third of the TTL by a daemon
 * thread; when the instance dies they expire, and its slots stop counting at once for the next admission once its
 * instance key is gone. The renewal also rewrites this instance's slot counts from its own tally, so a release that
 * failed to reach Redis heals within one period.
 *
 * <p>Needs one Redis (or a primary with replicas): the slot script reads instance keys it is not handed, which a
 * Redis Cluster would refuse across slots.
 *
 * <p><b>Note:</b> thread-safe; each call blocks for one round trip, bounded by
 * {@link RedisRegistryConfig#timeout()}. Slot calls share one lock with the renewal, so a count and its renewal never
 * interleave.
 *
 * @since 0.1.0
 */
public final class RedisSessionRegistry implements SessionRegistry {
    private static final Logger LOG = LoggerFactory.getLogger(RedisSessionRegistry.class);

    private final RedisRegistryConfig config;
    private final RedisClient redis;
    private final String instanceKey;
    private final String instancePrefix;
    private final Set<String> ownedSessions = ConcurrentHashMap.newKeySet();
    /** Slots this instance holds per key id; guarded by {@code this}. */
    private final Map<String, Integer> heldSlots = new ConcurrentHashMap<>();
    private final ScheduledExecutorService renewer;
    private volatile boolean closed;
    private volatile String advertised;

    private RedisSessionRegistry(RedisRegistryConfig config, RedisClient redis) {
        this.config = config;
        this.redis = redis;
        this.advertised = config.advertise();
        this.instancePrefix = config.keyPrefix() + "instance:";
        this.instanceKey = instancePrefix + config.instanceId();
        this.renewer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "streaminfer-registry-renewal");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Connects, announces this instance and starts renewing.
     *
     * @param config the settings
     * @return the registry
     * @throws IllegalStateException if Redis cannot be reached (the message names the URI and the cause)
     */
    public static RedisSessionRegistry connect(RedisRegistryConfig config) {
        String userInfo = config.redisUri().getUserInfo();
        String password = null;
        if (userInfo != null && !userInfo.isEmpty()) {
            password = userInfo.substring(userInfo.indexOf(':') + 1);
        }
        int database = 0;
        String path = config.redisUri().getPath();
        if (path != null && path.length() > 1) {
            try {
                database = Integer.parseInt(path.substring(1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("redisUri database is '" + path.substring(1)
                        + "'; allowed: a number", e);
            }
        }
        int timeoutMillis = (int) config.timeout().toMillis();
        DefaultJedisClientConfig clientConfig = DefaultJedisClientConfig.builder()
                .connectionTimeoutMillis(timeoutMillis)
                .socketTimeoutMillis(timeoutMillis)
                .password(password)
                .database(database)
                .clientName("streaminfer-" + config.instanceId())
                .build();
        int port = config.redisUri().getPort() < 0 ? 6379 : config.redisUri().getPort();
        RedisClient redis = RedisClient.builder().hostAndPort(new HostAndPort(config.redisUri().getHost(), port))
                .clientConfig(clientConfig).build();
        RedisSessionRegistry r = new RedisSessionRegistry(config, redis);
        try {
            redis.ping();
            r.renew();
        } catch (RuntimeException e) {
            redis.close();
            throw new IllegalStateException("cannot reach Redis at " + config.redisUri().getHost() + ":" + port
                    + ": " + e.getMessage(), e);
        }
        long period = Math.max(100, config.ttl().toMillis() / 3);
        r.renewer.scheduleAtFixedRate(r::renewQuietly, period, period, TimeUnit.MILLISECONDS);
        return r;
    }

    /** {@return the settings this registry runs with} */
    public RedisRegistryConfig config() {
        return config;
    }

    @Override
    public String instanceId() {
        return config.instanceId();
    }

    @Override
    public boolean isShared() {
        return true;
    }

    private String slotsKey(String keyId) {
        return config.keyPrefix() + "slots:" + keyId;
    }

    private String sessionKey(String sessionId) {
        return config.keyPrefix() + "session:" + sessionId;
    }

    @Override
    public synchronized boolean tryAcquireSlot(String keyId, int limit) {
        if (closed) {
            return false;
        }
        try {
            Object taken = redis.eval(LuaScripts.ACQUIRE, List.of(slotsKey(keyId)), List.of(instancePrefix,
                    config.instanceId(), Integer.toString(limit), Long.toString(3 * config.ttl().toMillis())));
            if (taken instanceof Long n && n == 1L) {
                heldSlots.merge(keyId, 1, Integer::sum);
                return true;
            }
            return false;
        } catch (RuntimeException e) {
            LOG.warn("registry: could not take a slot for {} (admission refused): {}", keyId, e.toString());
            return false;
        }
    }

    @Override
    public synchronized void releaseSlot(String keyId) {
        heldSlots.computeIfPresent(keyId, (k, v) -> v <= 1 ? null : v - 1);
        if (closed) {
            return;
        }
        try {
            redis.eval(LuaScripts.RELEASE, List.of(slotsKey(keyId)), List.of(config.instanceId()));
        } catch (RuntimeException e) {
            LOG.warn("registry: could not give back a slot for {} (the next renewal corrects it): {}", keyId,
                    e.toString());
        }
    }

    @Override
    public void register(String sessionId) {
        ownedSessions.add(sessionId);
        redis.set(sessionKey(sessionId), config.instanceId(), SetParams.setParams().px(config.ttl().toMillis()));
    }

    @Override
    public void remove(String sessionId) {
        ownedSessions.remove(sessionId);
        redis.eval(LuaScripts.REMOVE, List.of(sessionKey(sessionId)), List.of(config.instanceId()));
    }

    @Override
    public Optional<Owner> lookup(String sessionId) {
        Object r = redis.eval(LuaScripts.LOOKUP, List.of(sessionKey(sessionId)), List.of(instancePrefix));
        if (r instanceof List<?> l && l.size() == 2) {
            return Optional.of(new Owner(String.valueOf(l.get(0)), String.valueOf(l.get(1))));
        }
        return Optional.empty();
    }

    /**
     * Changes where other instances send this instance's clients, for a server that learns its port only once it
     * has bound; announced at once.
     *
     * @param address {@code host:port} or a base URL
     */
    public void advertise(String address) {
        if (address == null || address.isBlank()) {
            throw new IllegalArgumentException("advertise is '" + address + "'; allowed: host:port or a base URL");
        }
        this.advertised = address;
        renew();
    }

    /** {@return the address other instances send this instance's clients to} */
    public String advertised() {
        return advertised;
    }

    /** {@return the sessions this instance has registered and not removed} */
    public Set<String> ownedSessions() {
        return Set.copyOf(ownedSessions);
    }

    private void renewQuietly() {
        try {
            renew();
        } catch (RuntimeException e) {
            LOG.warn("registry: renewal failed (entries expire after {} without it): {}", config.ttl(), e.toString());
        }
    }

    /** Renews the instance key, every owned session and this instance's slot counts, in one pipeline. */
    synchronized void renew() {
        if (closed) {
            return;
        }
        long ttl = config.ttl().toMillis();
        try (AbstractPipeline p = redis.pipelined()) {
            p.set(instanceKey, advertised, SetParams.setParams().px(ttl));
            for (String id : ownedSessions) {
                p.pexpire(sessionKey(id), ttl);
            }
            for (Map.Entry<String, Integer> e : heldSlots.entrySet()) {
                String key = slotsKey(e.getKey());
                p.hset(key, config.instanceId(), Integer.toString(e.getValue()));
                p.pexpire(key, 3 * ttl);
            }
            p.sync();
        }
    }

    /**
     * Stops renewing and withdraws this instance: its key, its sessions and its slot counts are deleted at once (what
     * cannot be deleted expires). Idempotent.
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        renewer.shutdownNow();
        try (AbstractPipeline p = redis.pipelined()) {
            p.del(instanceKey);
            for (String id : ownedSessions) {
                p.eval(LuaScripts.REMOVE, List.of(sessionKey(id)), List.of(config.instanceId()));
            }
            for (String keyId : heldSlots.keySet()) {
                p.hdel(slotsKey(keyId), config.instanceId());
            }
            p.sync();
        } catch (RuntimeException e) {
            LOG.warn("registry: could not withdraw instance {} (its entries expire after {}): {}",
                    config.instanceId(), config.ttl(), e.toString());
        } finally {
            redis.close();
        }
    }

    @Override
    public String toString() {
        return "RedisSessionRegistry[" + config.instanceId() + " @ " + config.redisUri().getHost() + "]";
    }
}
