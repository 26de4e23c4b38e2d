package io.github.streaminfer.client;

/**
 * Estimates the server's wall clock minus ours from request/reply pairs, as NTP does: for a request sent at local
 * time {@code t0}, answered with server time {@code ts} and received at {@code t1}, the offset is
 * {@code ts - (t0 + t1) / 2}, uncertain by half the round trip. The estimate keeps the sample with the smallest round
 * trip among the last {@value #WINDOW} (the least queueing, so the least asymmetry).
 *
 * <p><b>Note:</b> confined to the thread that delivers replies; {@link #offsetMillis()} and
 * {@link #uncertaintyMillis()} may be read from any thread.
 */
final class ClockOffset {
    static final int WINDOW = 64;
    private final double[] offsets = new double[WINDOW];
    private final double[] roundTrips = new double[WINDOW];
    private int count;
    private volatile double offsetMillis = Double.NaN;
    private volatile double uncertaintyMillis = Double.NaN;

    /**
     * Adds one request/reply pair, all in epoch milliseconds.
     *
     * @param sentMillis     local time the request was sent
     * @param serverMillis   the server's time in its reply
     * @param receivedMillis local time the reply arrived
     */
    void add(double sentMillis, double serverMillis, double receivedMillis) {
        double rtt = receivedMillis - sentMillis;
        if (rtt < 0 || !Double.isFinite(serverMillis)) {
            return;
        }
        int i = count++ % WINDOW;
        offsets[i] = serverMillis - (sentMillis + receivedMillis) / 2;
        roundTrips[i] = rtt;
        int best = 0;
        int n = Math.min(count, WINDOW);
        for (int k = 1; k < n; k++) {
            if (roundTrips[k] < roundTrips[best]) {
                best = k;
            }
        }
        offsetMillis = offsets[best];
        uncertaintyMillis = roundTrips[best] / 2;
    }

    /** {@return server clock minus local clock in milliseconds, or NaN before the first reply} */
    double offsetMillis() {
        return offsetMillis;
    }

    /** {@return half the round trip of the sample the estimate rests on, or NaN before the first reply} */
    double uncertaintyMillis() {
        return uncertaintyMillis;
    }
}
