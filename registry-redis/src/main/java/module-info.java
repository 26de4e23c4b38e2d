/**
 * A cluster-wide {@link io.github.streaminfer.transport.SessionRegistry} in Redis, for several StreamInfer server
 * instances behind one load balancer.
 */
module io.github.streaminfer.registry.redis {
    requires transitive io.github.streaminfer.transport.netty;
    requires redis.clients.jedis; // automatic module (Automatic-Module-Name in the Jedis jar)
    requires org.slf4j;

    exports io.github.streaminfer.registry.redis;
}
