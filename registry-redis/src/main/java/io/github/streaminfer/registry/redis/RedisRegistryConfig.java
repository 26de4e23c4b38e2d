package io.github.streaminfer.registry.redis;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.UUID;

/**
 * Settings of a {@link RedisSessionRegistry}: which Redis, who this instance is, where other instances reach it, how
 * long its entries outlive it.
 *
 * <pre>{@code
 * RedisRegistryConfig cfg = RedisRegistryConfig.DEFAULT.toBuilder()
 *         .redisUri(URI.create("redis://redis:6379"))
 *         .instanceId("pod-a").advertise("10.0.0.7:8000")
 *         .ttl(Duration.ofSeconds(15))
 *         .build();
 * }</pre>
 *
 * <p><b>Note:</b> immutable, thread-safe.
 *
 * @param redisUri  {@code redis://[:password@]host[:port][/database]}
 * @param instanceId this instance's id, unique in the cluster
 * @param advertise where other instances send clients of this instance's sessions: {@code host:port} or a base URL
 * @param ttl       how long an entry lives without renewal: an instance that dies loses its sessions and slots after
 *                  this; renewed every third of it
 * @param timeout   connect and read timeout of one Redis call
 * @param keyPrefix prefix of every key, so several clusters can share one Redis
 * @since 0.1.0
 */
public record RedisRegistryConfig(URI redisUri, String instanceId, String advertise, Duration ttl, Duration timeout,
                                  String keyPrefix) {
    /** Local Redis on its default port, a random instance id, advertised as {@code 127.0.0.1:8000}, TTL 15 s. */
    public static final RedisRegistryConfig DEFAULT = new RedisRegistryConfig(URI.create("redis://127.0.0.1:6379"),
            "instance-" + UUID.randomUUID().toString().substring(0, 8), "127.0.0.1:8000", Duration.ofSeconds(15),
            Duration.ofMillis(500), "streaminfer:");

    /**
     * Validates every field.
     *
     * @param redisUri   see the class description
     * @param instanceId see the class description
     * @param advertise  see the class description
     * @param ttl        see the class description
     * @param timeout    see the class description
     * @param keyPrefix  see the class description
     */
    public RedisRegistryConfig {
        Objects.requireNonNull(redisUri, "redisUri");
        if (!"redis".equals(redisUri.getScheme()) || redisUri.getHost() == null) {
            throw new IllegalArgumentException("redisUri is '" + redisUri + "'; allowed: redis://[:password@]host"
                    + "[:port][/database]");
        }
        Objects.requireNonNull(instanceId, "instanceId");
        if (instanceId.isEmpty() || instanceId.length() > 128 || !instanceId.matches("[A-Za-z0-9._:-]+")) {
            throw new IllegalArgumentException("instanceId is '" + instanceId + "'; allowed: 1 to 128 of "
                    + "A-Z a-z 0-9 . _ : -");
        }
        Objects.requireNonNull(advertise, "advertise");
        if (advertise.isBlank()) {
            throw new IllegalArgumentException("advertise is blank; allowed: host:port or a base URL");
        }
        Objects.requireNonNull(ttl, "ttl");
        if (ttl.toMillis() < 300 || ttl.compareTo(Duration.ofHours(1)) > 0) {
            throw new IllegalArgumentException("ttl is " + ttl + "; allowed: 300 ms to 1 h");
        }
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.toMillis() < 1 || timeout.compareTo(ttl) >= 0) {
            throw new IllegalArgumentException("timeout is " + timeout + "; allowed: 1 ms to less than ttl " + ttl);
        }
        Objects.requireNonNull(keyPrefix, "keyPrefix");
    }

    /** {@return a builder starting from these values} */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /** {@return a builder starting from {@link #DEFAULT}} */
    public static Builder builder() {
        return new Builder(DEFAULT);
    }

    /**
     * Builder of {@link RedisRegistryConfig}; {@link #build()} validates.
     *
     * <p><b>Note:</b> not thread-safe.
     *
     * @since 0.1.0
     */
    public static final class Builder {
        private URI redisUri;
        private String instanceId;
        private String advertise;
        private Duration ttl;
        private Duration timeout;
        private String keyPrefix;

        private Builder(RedisRegistryConfig c) {
            redisUri = c.redisUri;
            instanceId = c.instanceId;
            advertise = c.advertise;
            ttl = c.ttl;
            timeout = c.timeout;
            keyPrefix = c.keyPrefix;
        }

        /**
         * Sets the Redis to use.
         *
         * @param uri {@code redis://[:password@]host[:port][/database]}
         * @return this
         */
        public Builder redisUri(URI uri) {
            this.redisUri = uri;
            return this;
        }

        /**
         * Sets this instance's id, unique in the cluster.
         *
         * @param id the id
         * @return this
         */
        public Builder instanceId(String id) {
            this.instanceId = id;
            return this;
        }

        /**
         * Sets where clients of this instance's sessions are sent by other instances.
         *
         * @param address {@code host:port} or a base URL
         * @return this
         */
        public Builder advertise(String address) {
            this.advertise = address;
            return this;
        }

        /**
         * Sets how long an entry lives without renewal.
         *
         * @param ttl the time to live
         * @return this
         */
        public Builder ttl(Duration ttl) {
            this.ttl = ttl;
            return this;
        }

        /**
         * Sets the connect and read timeout of one Redis call.
         *
         * @param timeout the timeout
         * @return this
         */
        public Builder timeout(Duration timeout) {
            this.timeout = timeout;
            return this;
        }

        /**
         * Sets the prefix of every key.
         *
         * @param prefix the prefix
         * @return this
         */
        public Builder keyPrefix(String prefix) {
            this.keyPrefix = prefix;
            return this;
        }

        /** {@return the validated configuration} */
        public RedisRegistryConfig build() {
            return new RedisRegistryConfig(redisUri, instanceId, advertise, ttl, timeout, keyPrefix);
        }
    }
}
