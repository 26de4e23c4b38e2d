package io.github.streaminfer.transport;

import java.util.Objects;

/**
 * What an API key may do: how many sessions it may hold at once and how many frames per second each session may
 * send, and whether it may run benchmarks. The VLA seed's table is the default example: {@link #FREE} (1 session,
 * 10 Hz, no benchmarks), {@link #PRO} (3, 30 Hz), {@link #ENTERPRISE} (unlimited, 50 Hz).
 *
 * @param name                  tier name reported to clients and in metrics
 * @param maxConcurrentSessions sessions the key may hold at once ({@link #UNLIMITED} for no limit)
 * @param maxFps                frames per second per session (0 for no limit)
 * @param allowsBenchmark       whether the key may run {@code POST /benchmark}, which holds the server's models for
 *                              the whole run (not {@link #FREE})
 * @since 0.1.0
 */
public record Tier(String name, int maxConcurrentSessions, double maxFps, boolean allowsBenchmark) {

    /** No limit on concurrent sessions. */
    public static final int UNLIMITED = Integer.MAX_VALUE;
    /** 1 session, 10 Hz. */
    public static final Tier FREE = new Tier("free", 1, 10, false);
    /** 3 sessions, 30 Hz. */
    public static final Tier PRO = new Tier("pro", 3, 30);
    /** Unlimited sessions, 50 Hz. */
    public static final Tier ENTERPRISE = new Tier("enterprise", UNLIMITED, 50);
    /** The tier of a server without API keys: no session limit, no fps limit. */
    public static final Tier OPEN = new Tier("open", UNLIMITED, 0);

    /**
     * A tier that may run benchmarks.
     *
     * @param name                  see the class description
     * @param maxConcurrentSessions see the class description
     * @param maxFps                see the class description
     */
    public Tier(String name, int maxConcurrentSessions, double maxFps) {
        this(name, maxConcurrentSessions, maxFps, true);
    }

    /**
     * Validates.
     *
     * @param name                  see the class description
     * @param maxConcurrentSessions see the class description
     * @param maxFps                see the class description
     * @param allowsBenchmark       see the class description
     */
    public Tier {
        Objects.requireNonNull(name, "name");
        if (name.isBlank()) {
            throw new IllegalArgumentException("tier name is blank; allowed: a non-blank name");
        }
        if (maxConcurrentSessions < 1) {
            throw new IllegalArgumentException("tier '" + name + "': maxConcurrentSessions is " + maxConcurrentSessions
                    + "; allowed: >= 1 (Tier.UNLIMITED for no limit)");
        }
        if (!(maxFps >= 0) || Double.isInfinite(maxFps)) {
            throw new IllegalArgumentException("tier '" + name + "': maxFps is " + maxFps
                    + "; allowed: 0 (unlimited) or a finite rate > 0");
        }
    }

    /** @return true if the fps is limited */
    public boolean limitsFps() {
        return maxFps > 0;
    }
}
