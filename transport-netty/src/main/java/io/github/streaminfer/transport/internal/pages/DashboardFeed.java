package io.github.streaminfer.transport.internal.pages;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.streaminfer.session.InferenceResult;
import io.github.streaminfer.session.LatencySnapshot;
import io.github.streaminfer.session.SessionStats;
import io.github.streaminfer.session.Stage;
import io.github.streaminfer.session.StreamingInferenceSession;
import io.github.streaminfer.task.ActionChunk;
import io.github.streaminfer.task.FloatVector;
import io.github.streaminfer.transport.AccessPolicy;
import io.github.streaminfer.transport.internal.http.Http;
import io.github.streaminfer.transport.internal.http.Json;
import io.github.streaminfer.transport.internal.http.LiveSession;
import io.github.streaminfer.transport.internal.http.Router;
import io.github.streaminfer.transport.internal.http.SafetyProbe;
import io.github.streaminfer.transport.internal.http.ServerContext;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.concurrent.ScheduledFuture;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The dashboard's data: {@code GET /dashboard/sessions} (one JSON snapshot) and {@code GET /dashboard/events} (SSE,
 * one snapshot every {@link #PERIOD_MILLIS} ms) with, per live session the caller may see (its own key's sessions;
 * every session on a server without keys): inference fps over the last period, latency percentiles per stage, queue
 * depth, drops by reason, errors, the newest action per axis for policies, safety state where the session reports
 * one, and its viewers on the camera fan-out.
 *
 * <p><b>Note:</b> thread-safe; snapshots are built on the stream's event loop from statistics that are safe to read
 * from any thread (a few sessions, twice a second: never on a frame's path).
 */
public final class DashboardFeed {
    /** Period of the event stream, ms. */
    public static final long PERIOD_MILLIS = 500;

    private final ServerContext server;
    private final ViewerHub viewers;

    /**
     * @param server  server state
     * @param viewers the camera fan-out, or null when the server has no detection endpoint
     */
    public DashboardFeed(ServerContext server, ViewerHub viewers) {
        this.server = server;
        this.viewers = viewers;
    }

    /** {@return the {@code /dashboard/*} routes} */
    public Router.HttpRoutes routes() {
        return this::route;
    }

    private boolean route(ChannelHandlerContext ctx, FullHttpRequest req, String path, QueryStringDecoder query) {
        if (!path.equals("/dashboard/events") && !path.equals("/dashboard/sessions")) {
            return false;
        }
        Channel ch = ctx.channel();
        if (!req.method().equals(HttpMethod.GET)) {
            Http.methodNotAllowed(ch, req, "GET");
            return true;
        }
        AccessPolicy.Principal p = Http.authenticate(server, ch, req, null);
        if (p == null) {
            return true;
        }
        if (path.equals("/dashboard/sessions")) {
            Http.json(ch, req, HttpResponseStatus.OK, snapshot(p, new HashMap<>(), 0));
            return true;
        }
        Router router = ctx.pipeline().get(Router.class);
        if (router != null) {
            router.streaming = true;
        }
        Http.startSse(ch);
        Map<String, long[]> previous = new HashMap<>();
        long[] lastNanos = {System.nanoTime()};
        ScheduledFuture<?> tick = ch.eventLoop().scheduleAtFixedRate(() -> {
            if (!ch.isActive()) {
                return;
            }
            if (!ch.isWritable()) {
                return; // a dashboard that does not read skips snapshots instead of queueing them
            }
            long now = System.nanoTime();
            ObjectNode o = snapshot(p, previous, now - lastNanos[0]);
            lastNanos[0] = now;
            ch.writeAndFlush(Http.sseEvent(Json.encode(ch.alloc(), o)));
        }, 0, PERIOD_MILLIS, TimeUnit.MILLISECONDS);
        ch.closeFuture().addListener((ChannelFutureListener) f -> tick.cancel(false));
        return true;
    }

    private ObjectNode snapshot(AccessPolicy.Principal p, Map<String, long[]> previous, long elapsedNanos) {
        ObjectNode o = Json.object();
        o.put("type", "dashboard");
        o.put("timestamp", Json.unixSeconds());
        o.put("open_connections", server.connections.get());
        ArrayNode list = o.putArray("sessions");
        List<String> seen = new ArrayList<>();
        for (LiveSession s : server.sessions.values()) {
            if (!server.access.isOpen() && !s.principal.keyId().equals(p.keyId())) {
                continue;
            }
            seen.add(s.id);
            session(list.addObject(), s, previous, elapsedNanos);
        }
        previous.keySet().retainAll(seen);
        return o;
    }

    private void session(ObjectNode o, LiveSession s, Map<String, long[]> previous, long elapsedNanos) {
        o.put("session_id", s.id);
        o.put("endpoint", s.endpoint);
        o.put("uptime_seconds", Math.round(s.uptimeSeconds() * 10) / 10.0);
        o.put("frames_received", s.framesReceived.sum());
        SessionStats st = s.stats();
        if (st == null) {
            o.put("state", "STARTING");
            return;
        }
        o.put("state", st.state().name());
        o.put("inferred", st.inferred());
        long[] prev = previous.computeIfAbsent(s.id, k -> new long[] {st.inferred()});
        double fps = elapsedNanos > 0 ? (st.inferred() - prev[0]) * 1e9 / elapsedNanos : st.actualFps();
        prev[0] = st.inferred();
        o.put("fps", Math.round(fps * 10) / 10.0);
        o.put("average_fps", Math.round(st.actualFps() * 10) / 10.0);
        o.put("target_fps", st.targetFps());
        o.put("queue_depth", st.queued());
        ObjectNode drops = o.putObject("drops");
        drops.put("superseded", st.droppedReplaced());
        drops.put("queue_full", st.rejectedFull());
        drops.put("rate_limited", st.rateLimited() + s.rateLimited.sum());
        drops.put("reset", st.droppedReset());
        drops.put("closed", st.droppedClosed() + st.rejectedClosed());
        ObjectNode errors = o.putObject("errors");
        errors.put("invalid_frames", s.invalidFrames.sum());
        errors.put("failed_input", st.failedInput());
        errors.put("failed_backend", st.failedBackend());
        errors.put("listener_errors", st.listenerErrors());
        ObjectNode lat = o.putObject("latency_ms");
        for (Stage stage : Stage.values()) {
            LatencySnapshot l = st.latency(stage);
            ObjectNode x = lat.putObject(stage.name().toLowerCase(java.util.Locale.ROOT));
            x.put("count", l.count());
            x.put("p50", ms(l.p50Nanos()));
            x.put("p90", ms(l.p90Nanos()));
            x.put("p99", ms(l.p99Nanos()));
            x.put("mean", Math.round(l.meanNanos() / 1e3) / 1e3);
        }
        o.put("transport_latency_ms", Math.round(s.avgLatencyMillis() * 1000) / 1000.0);
        action(o, s.session);
        SafetyProbe safety = s.safety;
        if (safety != null) {
            safety.write(o.putObject("safety"));
        }
        if (viewers != null) {
            viewers.describe(s.id, o);
        }
    }

    private static void action(ObjectNode o, StreamingInferenceSession<?, ?> session) {
        if (session == null) {
            return;
        }
        InferenceResult<?> r = session.acquireLatest();
        if (r == null) {
            return;
        }
        try {
            Object v = r.value();
            float[] axes = null;
            if (v instanceof ActionChunk c && c.horizon() > 0) {
                axes = c.action(0);
            } else if (v instanceof FloatVector f && f.length() <= 64) {
                axes = f.toArray();
            }
            if (axes != null) {
                o.put("result_frame", r.frameId());
                ArrayNode a = o.putArray(v instanceof ActionChunk ? "action" : "output");
                for (float x : axes) {
                    a.add(Float.isFinite(x) ? Math.round(x * 1e4) / 1e4 : 0);
                }
            }
        } finally {
            r.release();
        }
    }

    private static double ms(long nanos) {
        return Math.round(nanos / 1e3) / 1e3;
    }
}
