/**
 * A cluster-wide {@link io.github.streaminfer.transport.SessionRegistry} in Redis, for several StreamInfer server
 * instances behind one load balancer.
 */
@SuppressWarnings("requires-automatic") // Jedis: an automatic module by its stable Automatic-Module-Name
module io.github.streaminfer.registry.redis {
    requires transitive io.github.streaminfer.transport.netty;
    requires redis.clients.jedis;
    requires org.slf4j;

    exports io.github.streaminfer.registry.redis;
}
