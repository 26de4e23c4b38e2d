package io.github.streaminfer.transport.internal;

/**
 * A token bucket admitting {@code rate} frames per second with a small burst (a fifth of a second's worth, at least
 * 2), so a client sending at exactly its limit is not refused for network jitter.
 *
 * <p><b>Note:</b> synchronized; uncontended in practice (one connection).
 */
public final class RateGate {
    private double rate;
    private double capacity;
    private double tokens;
    private long last;
    private boolean started;

    /** @param rate frames per second, 0 for unlimited */
    public RateGate(double rate) {
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
     * @param now monotonic nanoseconds
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
        tokens = Math.min(capacity, tokens + Math.max(0, now - last) * rate / 1e9);
        last = now;
        if (tokens >= 1) {
            tokens -= 1;
            return true;
        }
        return false;
    }
}
