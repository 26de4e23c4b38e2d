package io.github.streaminfer.stats;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Lets writers record into a structure without locks while a reader swaps it for a fresh one and then waits until
 * every writer that could still be using the old one has left it. Writers pay two atomic increments per critical
 * section and never wait; only the reader waits.
 *
 * <p>Usage: a writer brackets its writes with {@code long t = enter(); ... exit(t);} and reads the active structure
 * inside. The reader publishes the new active structure (a volatile write), then calls {@link #flip()}; when that
 * returns, no writer touches the old structure any more and everything they wrote to it is visible to the reader.
 *
 * <p>How: writers draw a ticket from an epoch counter whose sign is the phase, and on exit count themselves out on
 * the end counter of their phase. The reader switches the epoch counter to the other phase and waits until the old
 * phase's end counter has caught up with the tickets drawn in it.
 *
 * <p><b>Note:</b> {@link #enter} and {@link #exit} from any number of threads; {@link #flip} from one thread at a
 * time (the caller serialises readers).
 *
 * @since 0.1.0
 */
public final class RecordingPhaser {
    private static final int SPINS_BEFORE_YIELD = 64;

    /** Tickets drawn: counts up from 0 in the even phase, from {@link Long#MIN_VALUE} in the odd phase. */
    private final AtomicLong epoch = new AtomicLong();
    private final AtomicLong evenExits = new AtomicLong();
    private final AtomicLong oddExits = new AtomicLong(Long.MIN_VALUE);

    /** Creates a phaser in its first phase. */
    public RecordingPhaser() {
    }

    /**
     * Opens a writer's critical section.
     *
     * @return the ticket to pass to {@link #exit}
     */
    public long enter() {
        return epoch.getAndIncrement();
    }

    /**
     * Closes a writer's critical section.
     *
     * @param ticket what {@link #enter} returned
     */
    public void exit(long ticket) {
        (ticket < 0 ? oddExits : evenExits).getAndIncrement();
    }

    /**
     * Starts a new phase and waits until every writer that entered in the previous one has exited. Call it after
     * publishing the new active structure. Spins, then yields, while a writer is inside.
     */
    public void flip() {
        boolean even = epoch.get() >= 0; // only flip() changes the phase, and flips are serialised
        long next = even ? Long.MIN_VALUE : 0;
        // nobody is inside the next phase: its writers all left before the previous flip returned
        (even ? oddExits : evenExits).set(next);
        long drawn = epoch.getAndSet(next);
        AtomicLong exits = even ? evenExits : oddExits;
        for (int spins = 0; exits.get() != drawn; spins++) {
            if (spins < SPINS_BEFORE_YIELD) {
                Thread.onSpinWait();
            } else {
                Thread.yield();
            }
        }
    }
}
