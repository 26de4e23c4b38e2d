package io.github.streaminfer.transport.internal.http;

/**
 * A token bucket admitting {@code rate} frames per second, charged by each frame's arrival (read) time, with a small
 * burst (a fifth of a second's worth, at least 2) so that a client sending at exactly its limit is not refused for
 * network jitter, and a catch-up allowance that keeps a server-side stall from turning into rate limiting.
 *
 * <p>Catch-up: the allowance a pause in a connection's frames earns is not cut at the burst size, up to
 * {@code catchUpNanos} of it. Frames that waited in TCP while the server did not read (an event loop or a garbage
 * collector stalled) are read back to back after the stall; a plain bucket would charge them as a burst and refuse
 * all but the burst size. Here the pause before them has earned exactly their allowance, so a client that kept to
 * its rate is never refused for the server's stall. Credit above the burst size does not grow further: the next
 * frames spend it, and the bucket returns to its usual size. A client that pauses on its own may likewise send the
 * frames it skipped, at most {@code catchUpNanos × rate} of them at once; over any window the frames admitted stay
 * within {@code rate × window + burst + catch-up}.
 *
 * <p><b>Note:</b> synchronized; uncontended in practice (one connection).
 */
public final class RateGate {
    private final long catchUpNanos;
    private double rate;
    private double capacity;
    private double tokens;
    private long last;
    private boolean started;

    /**
     * A gate without catch-up: a plain token bucket.
     *
     * @param rate frames per second, 0 for unlimited
     */
    public RateGate(double rate) {
        this(rate, 0);
    }

    /**
     * @param rate         frames per second, 0 for unlimited
     * @param catchUpNanos longest pause whose allowance is credited beyond the burst size, {@code >= 0}
     */
    public RateGate(double rate, long catchUpNanos) {
        if (catchUpNanos < 0) {
            throw new IllegalArgumentException("catchUpNanos is " + catchUpNanos + "; allowed: >= 0");
        }
        this.catchUpNanos = catchUpNanos;
        setRate(rate);
        this.tokens = capacity;
        this.started = false;
    }

    /** @param rate new rate, 0 for unlimited */
    public synchronized void setRate(double rate) {
        this.rate = rate;
        this.capacity = Math.max(2, rate / 5);
        this.tokens = Math.min(tokens, capacity);
    }

    /** @return the rate (0 = unlimited) */
    public synchronized double rate() {
        return rate;
    }

    /**
     * @param now monotonic nanoseconds: when the frame was read
     * @return true if the frame is admitted
     */
    public synchronized boolean tryAcquire(long now) {
        if (rate <= 0) {
            return true;
        }
        if (!started) {
            started = true;
            last = now;
        }
        long elapsed = Math.max(0, now - last);
        double earned = elapsed * rate / 1e9;
        // the pause's allowance, up to the catch-up limit, may lift the bucket above its burst size; credit already
        // above it is kept (not cut) but does not grow
        double ceiling = Math.max(tokens, capacity + Math.min(elapsed, catchUpNanos) * rate / 1e9);
        tokens = Math.min(Math.max(capacity, ceiling), tokens + earned);
        last = now;
        if (tokens >= 1) {
            tokens -= 1;
            return true;
        }
        return false;
    }
}
