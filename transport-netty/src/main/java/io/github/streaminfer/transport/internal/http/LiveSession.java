package io.github.streaminfer.transport.internal.http;

import io.github.streaminfer.session.SessionStats;
import io.github.streaminfer.session.StreamingInferenceSession;
import io.github.streaminfer.transport.AccessPolicy;

import java.util.concurrent.atomic.LongAdder;

/**
 * A session the server holds for a client, with the transport's own counters, for statistics and metrics.
 *
 * <p><b>Note:</b> counters are safe from any thread.
 */
public final class LiveSession {
    public final String id;
    public final String endpoint;
    public final AccessPolicy.Principal principal;
    final long openedNanos = System.nanoTime();
    public volatile StreamingInferenceSession<?, ?> session;
    public volatile Outbound outbound;
    /** The connection's reply accounting, where the endpoint keeps one (the WebSockets), else null. */
    public volatile ReplyLedger replies;
    /** Frame messages received, valid or not. */
    public final LongAdder framesReceived = new LongAdder();
    /** Frames refused before submission because they were malformed. */
    public final LongAdder invalidFrames = new LongAdder();
    /** Frames refused by the transport's fps gate. */
    public final LongAdder rateLimited = new LongAdder();
    /** Sum of measured latencies of results (capture to publication), ns. */
    public final LongAdder latencySumNanos = new LongAdder();
    /** Results measured. */
    public final LongAdder latencyCount = new LongAdder();
    /** The session's safety state for the dashboard, where the endpoint reports one, else null. */
    public volatile SafetyProbe safety;
    /** Results with no subscriber to deliver to (REST sessions without an event stream). */
    public final LongAdder undelivered = new LongAdder();

    LiveSession(String id, String endpoint, AccessPolicy.Principal principal) {
        this.id = id;
        this.endpoint = endpoint;
        this.principal = principal;
    }

    /** @return the id */
    public String id() {
        return id;
    }

    /** @return endpoint name */
    public String endpoint() {
        return endpoint;
    }

    /** @return the session's stats, or null before it opened */
    public SessionStats stats() {
        StreamingInferenceSession<?, ?> s = session;
        return s == null ? null : s.stats();
    }

    /** @return mean measured latency in ms, 0 if none */
    public double avgLatencyMillis() {
        long n = latencyCount.sum();
        return n == 0 ? 0 : latencySumNanos.sum() / 1e6 / n;
    }

    /** @return seconds since it opened */
    public double uptimeSeconds() {
        return (System.nanoTime() - openedNanos) / 1e9;
    }
}
