package io.github.streaminfer.transport;

import io.github.streaminfer.transport.internal.http.InProcessSessionRegistry;

import java.util.Optional;

/**
 * Where a server instance counts its clients' concurrent sessions and announces the detection REST + SSE sessions it
 * owns, so that several instances behind one load balancer act as one service: a tier's session limit holds across
 * every instance, and a request for a session that another instance owns is sent there.
 *
 * <p>{@link #inProcess()} is the default: one process, nothing shared, the behaviour of a single server. A shared
 * implementation (the {@code streaminfer-registry-redis} module) keeps the same facts in a store every instance
 * reaches; it renews what its own instance holds while the instance lives, so an instance that dies has its sessions
 * and slots expire.
 *
 * <p><b>Note:</b> implementations are thread-safe. Slot calls run while a client is admitted (on an event loop: one
 * short round trip to the store at most); {@link #register}, {@link #remove} and {@link #lookup} run on the
 * transport's blocking executor. None is called per frame.
 *
 * @since 0.1.0
 */
public interface SessionRegistry extends AutoCloseable {

    /**
     * The instance that owns a session, as other instances reach it.
     *
     * @param instanceId the owner's id
     * @param address    where it is reached: {@code host:port}, or a base URL such as {@code https://host:port}
     * @since 0.1.0
     */
    record Owner(String instanceId, String address) {
    }

    /** {@return this instance's id, unique in the cluster} */
    String instanceId();

    /** {@return true when other instances share this registry (requests may belong to another instance)} */
    boolean isShared();

    /**
     * Takes one concurrent-session slot for an API key if fewer than {@code limit} are taken cluster-wide; atomic
     * across instances.
     *
     * @param keyId the key's id ({@link AccessPolicy.Principal#keyId()})
     * @param limit the tier's maximum of concurrent sessions
     * @return true if a slot was taken (give it back with {@link #releaseSlot}); false at the limit, or when the
     *         store cannot be reached (admission fails closed)
     */
    boolean tryAcquireSlot(String keyId, int limit);

    /**
     * Gives back a slot taken by {@link #tryAcquireSlot}.
     *
     * @param keyId the key's id
     */
    void releaseSlot(String keyId);

    /**
     * Announces that this instance owns a session; the entry lives while this instance renews it.
     *
     * @param sessionId the session's id
     */
    void register(String sessionId);

    /**
     * Withdraws a session this instance registered.
     *
     * @param sessionId the session's id
     */
    void remove(String sessionId);

    /**
     * Finds the live instance that owns a session.
     *
     * @param sessionId the session's id
     * @return the owner, or empty if no live instance owns it (never existed, closed, or its owner died)
     */
    Optional<Owner> lookup(String sessionId);

    /** Stops renewing and releases the connection to the store; what this instance held then expires. */
    @Override
    void close();

    /** {@return a registry of one process: slots counted in memory, no session ever owned elsewhere} */
    static SessionRegistry inProcess() {
        return new InProcessSessionRegistry();
    }
}
