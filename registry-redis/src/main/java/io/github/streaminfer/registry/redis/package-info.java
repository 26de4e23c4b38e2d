/**
 * The Redis session registry: {@link io.github.streaminfer.registry.redis.RedisSessionRegistry} and its
 * configuration. Keys (under a configurable prefix, default {@code streaminfer:}): {@code instance:<id>} holds an
 * instance's advertised address with a TTL its owner renews; {@code session:<id>} names the instance that owns a
 * detection REST session, with the same TTL; {@code slots:<keyId>} is a hash of instance id to the sessions that
 * instance holds for an API key, counted only while that instance's key lives. Every count changes in one Lua script,
 * so two instances never both take the last slot.
 *
 * <p>Threading: every type is thread-safe; calls block for one round trip to Redis, bounded by the configured
 * timeout.
 */
package io.github.streaminfer.registry.redis;
