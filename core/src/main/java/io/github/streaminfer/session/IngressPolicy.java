package io.github.streaminfer.session;

import java.util.Objects;

/**
 * How a session's ingress queue behaves when frames arrive faster than the model runs.
 *
 * <ul>
 *   <li>{@link #LATEST_ONLY}: keep only the newest frame (conflation); the default for control loops, where an old
 *       observation is worth nothing.</li>
 *   <li>{@link #dropOldest(int)}: a bounded queue that drops its oldest frame to admit a new one.</li>
 *   <li>{@link #rejectNewest(int)}: a bounded queue that refuses new frames when full (the seeds' "Frame queue
 *       full").</li>
 *   <li>{@link #block(int)}: a bounded queue whose {@code submit} waits for room; for offline files where nothing
 *       may be lost.</li>
 * </ul>
 *
 * @param kind     the behaviour
 * @param capacity frames the queue holds ({@code 1} for {@code LATEST_ONLY})
 * @since 0.1.0
 */
public record IngressPolicy(Kind kind, int capacity) {

    /** Keep only the newest frame. */
    public static final IngressPolicy LATEST_ONLY = new IngressPolicy(Kind.LATEST_ONLY, 1);

    /** The behaviours. */
    public enum Kind {
        /** Conflate: the newest frame replaces a waiting one. */
        LATEST_ONLY,
        /** Bounded; drop the oldest waiting frame when full. */
        DROP_OLDEST,
        /** Bounded; refuse the new frame when full. */
        REJECT_NEWEST,
        /** Bounded; the producer waits for room. */
        BLOCK
    }

    /**
     * Creates a policy, validating the capacity.
     *
     * @param kind     the behaviour
     * @param capacity frames the queue holds
     */
    public IngressPolicy {
        Objects.requireNonNull(kind, "kind");
        if (kind == Kind.LATEST_ONLY && capacity != 1) {
            throw new IllegalArgumentException("LATEST_ONLY holds exactly 1 frame, capacity was " + capacity);
        }
        if (capacity < 1 || capacity > (1 << 24)) {
            throw new IllegalArgumentException("ingress capacity is " + capacity + "; allowed: 1 to " + (1 << 24));
        }
    }

    /**
     * {@return a queue that drops its oldest frame when full}
     *
     * @param capacity frames the queue holds
     */
    public static IngressPolicy dropOldest(int capacity) {
        return new IngressPolicy(Kind.DROP_OLDEST, capacity);
    }

    /**
     * {@return a queue that rejects new frames when full}
     *
     * @param capacity frames the queue holds
     */
    public static IngressPolicy rejectNewest(int capacity) {
        return new IngressPolicy(Kind.REJECT_NEWEST, capacity);
    }

    /**
     * {@return a queue whose producers wait for room}
     *
     * @param capacity frames the queue holds
     */
    public static IngressPolicy block(int capacity) {
        return new IngressPolicy(Kind.BLOCK, capacity);
    }

    @Override
    public String toString() {
        return kind == Kind.LATEST_ONLY ? "LATEST_ONLY" : kind + "(" + capacity + ")";
    }
}
