package io.github.streaminfer.transport.internal.http;

import io.github.streaminfer.transport.SessionRegistry;

import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The registry of a single server: concurrent sessions per key counted in memory, sessions owned by no one else.
 *
 * <p><b>Note:</b> thread-safe, lock-free.
 */
public final class InProcessSessionRegistry implements SessionRegistry {
    private final String instanceId = "local-" + UUID.randomUUID();
    private final Map<String, AtomicInteger> slots = new ConcurrentHashMap<>();

    @Override
    public String instanceId() {
        return instanceId;
    }

    @Override
    public boolean isShared() {
        return false;
    }

    @Override
    public boolean tryAcquireSlot(String keyId, int limit) {
        AtomicInteger c = slots.computeIfAbsent(keyId, k -> new AtomicInteger());
        for (;;) {
            int v = c.get();
            if (v >= limit) {
                return false;
            }
            if (c.compareAndSet(v, v + 1)) {
                return true;
            }
        }
    }

    @Override
    public void releaseSlot(String keyId) {
        AtomicInteger c = slots.get(keyId);
        if (c != null) {
            c.updateAndGet(v -> Math.max(0, v - 1));
        }
    }

    @Override
    public void register(String sessionId) {
        // the session map of the service is the registry of one process
    }

    @Override
    public void remove(String sessionId) {
        // see register
    }

    @Override
    public Optional<Owner> lookup(String sessionId) {
        return Optional.empty();
    }

    @Override
    public void close() {
        // nothing held outside this process
    }
}
