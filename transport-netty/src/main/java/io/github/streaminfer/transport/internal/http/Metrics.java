package io.github.streaminfer.transport.internal.http;

import io.github.streaminfer.session.LatencySnapshot;
import io.github.streaminfer.session.SessionStats;
import io.github.streaminfer.session.Stage;
import io.github.streaminfer.stats.LogLinearHistogram;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Renders {@code GET /metrics} in the Prometheus text exposition format (version 0.0.4): global transport counters,
 * a global latency summary, and per-session counters and latency quantiles.
 *
 * <p><b>Note:</b> thread-safe; {@link #render()} takes a cumulative snapshot of the global latency histogram.
 */
public final class Metrics {
    private static final String P = "streaminfer_";
    private final ServerContext server;
    private final LogLinearHistogram cumulative = new LogLinearHistogram(ServerContext.LATENCY_HIGHEST_NANOS,
            LogLinearHistogram.DEFAULT_PRECISION_BITS);

    /** @param server server state */
    public Metrics(ServerContext server) {
        this.server = server;
    }

    /** @return the exposition text, per-session series included */
    public String render() {
        return render(true);
    }

    /**
     * {@return the exposition text}
     *
     * @param perSession whether to include the per-session series, which name every live session id
     */
    public synchronized String render(boolean perSession) {
        StringBuilder sb = new StringBuilder(4096);
        gauge(sb, "connections_open", "Open connections.", server.connections.get());
        gauge(sb, "request_bytes_buffered", "HTTP request body bytes reserved by all connections now.",
                server.bufferedRequestBytes.get());
        Map<String, Long> byEndpoint = new TreeMap<>();
        for (LiveSession s : server.sessions.values()) {
            byEndpoint.merge(s.endpoint, 1L, Long::sum);
        }
        sb.append("# HELP ").append(P).append("sessions_active Sessions open now, by endpoint.\n");
        sb.append("# TYPE ").append(P).append("sessions_active gauge\n");
        for (String e : new String[]{"vla", "detection", "signal", "openpi"}) {
            sb.append(P).append("sessions_active{endpoint=\"").append(e).append("\"} ")
                    .append(byEndpoint.getOrDefault(e, 0L)).append('\n');
        }
        Map<String, Map<String, Long>> families = new TreeMap<>();
        for (Map.Entry<String, LongAdder> c : server.counters().entrySet()) {
            String key = c.getKey();
            int brace = key.indexOf('{');
            String family = brace < 0 ? key : key.substring(0, brace);
            families.computeIfAbsent(family, k -> new TreeMap<>()).put(key, c.getValue().sum());
        }
        for (Map.Entry<String, Map<String, Long>> f : families.entrySet()) {
            sb.append("# TYPE ").append(P).append(f.getKey()).append(" counter\n");
            for (Map.Entry<String, Long> e : f.getValue().entrySet()) {
                sb.append(P).append(e.getKey()).append(' ').append(e.getValue()).append('\n');
            }
        }
        server.latency.addIntervalTo(cumulative);
        sb.append("# HELP ").append(P).append("result_latency_seconds Frame arrival to result publication, all "
                + "sessions, since start.\n");
        sb.append("# TYPE ").append(P).append("result_latency_seconds summary\n");
        for (double q : new double[]{0.5, 0.9, 0.99, 0.999}) {
            sb.append(P).append("result_latency_seconds{quantile=\"").append(q).append("\"} ")
                    .append(seconds(cumulative.valueAtPercentile(q * 100)))
                    .append('\n');
        }
        sb.append(P).append("result_latency_seconds_sum ")
                .append(seconds((long) (cumulative.mean() * cumulative.totalCount()))).append('\n');
        sb.append(P).append("result_latency_seconds_count ").append(cumulative.totalCount()).append('\n');
        if (!perSession) {
            return sb.toString();
        }

        StringBuilder frames = new StringBuilder();
        StringBuilder inferred = new StringBuilder();
        StringBuilder dropped = new StringBuilder();
        StringBuilder failed = new StringBuilder();
        StringBuilder invalid = new StringBuilder();
        StringBuilder queued = new StringBuilder();
        StringBuilder lat = new StringBuilder();
        StringBuilder superseded = new StringBuilder();
        for (LiveSession s : server.sessions.values()) {
            SessionStats st = s.stats();
            String l = "{session_id=\"" + s.id + "\",endpoint=\"" + s.endpoint + "\",key=\""
                    + s.principal.keyId() + "\"}";
            frames.append(P).append("session_frames_received_total").append(l).append(' ')
                    .append(s.framesReceived.sum()).append('\n');
            invalid.append(P).append("session_frames_invalid_total").append(l).append(' ')
                    .append(s.invalidFrames.sum()).append('\n');
            Outbound ob = s.outbound;
            superseded.append(P).append("session_results_superseded_total").append(l).append(' ')
                    .append(ob == null ? 0 : ob.conflated()).append('\n');
            if (st == null) {
                continue;
            }
            inferred.append(P).append("session_frames_inferred_total").append(l).append(' ')
                    .append(st.inferred()).append('\n');
            dropped.append(P).append("session_frames_dropped_total").append(l).append(' ')
                    .append(s.replies != null ? s.replies.dropped()
                            : st.dropped() + st.rejected() + st.rateLimited() + s.rateLimited.sum()).append('\n');
            failed.append(P).append("session_frames_failed_total").append(l).append(' ')
                    .append(st.failed()).append('\n');
            queued.append(P).append("session_queue_depth").append(l).append(' ').append(st.queued()).append('\n');
            LatencySnapshot e2e = st.latency(Stage.END_TO_END);
            String base = l.substring(0, l.length() - 1);
            lat.append(P).append("session_latency_seconds").append(base).append(",quantile=\"0.5\"} ")
                    .append(seconds(e2e.p50Nanos())).append('\n');
            lat.append(P).append("session_latency_seconds").append(base).append(",quantile=\"0.9\"} ")
                    .append(seconds(e2e.p90Nanos())).append('\n');
            lat.append(P).append("session_latency_seconds").append(base).append(",quantile=\"0.99\"} ")
                    .append(seconds(e2e.p99Nanos())).append('\n');
            lat.append(P).append("session_latency_seconds_sum").append(l).append(' ')
                    .append(seconds((long) (e2e.meanNanos() * e2e.count()))).append('\n');
            lat.append(P).append("session_latency_seconds_count").append(l).append(' ').append(e2e.count())
                    .append('\n');
        }
        family(sb, "session_frames_received_total", "counter", "Frame messages received.", frames);
        family(sb, "session_frames_invalid_total", "counter", "Frames refused as malformed.", invalid);
        family(sb, "session_frames_inferred_total", "counter", "Frames the model ran on.", inferred);
        family(sb, "session_frames_dropped_total", "counter", "Frames dropped, rejected or rate-limited.", dropped);
        family(sb, "session_frames_failed_total", "counter", "Frames whose inference failed.", failed);
        family(sb, "session_queue_depth", "gauge", "Frames waiting or in inference.", queued);
        family(sb, "session_results_superseded_total", "counter",
                "Results dropped for a newer one while the client was not reading.", superseded);
        family(sb, "session_latency_seconds", "summary", "Session submit to result publication.", lat);
        return sb.toString();
    }

    private static void family(StringBuilder sb, String name, String type, String help, StringBuilder body) {
        sb.append("# HELP ").append(P).append(name).append(' ').append(help).append('\n');
        sb.append("# TYPE ").append(P).append(name).append(' ').append(type).append('\n');
        sb.append(body);
    }

    private static void gauge(StringBuilder sb, String name, String help, long v) {
        sb.append("# HELP ").append(P).append(name).append(' ').append(help).append('\n');
        sb.append("# TYPE ").append(P).append(name).append(" gauge\n");
        sb.append(P).append(name).append(' ').append(v).append('\n');
    }

    private static String seconds(long nanos) {
        return Double.toString(nanos / 1e9);
    }
}
