package io.github.streaminfer.transport.internal.detection;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.streaminfer.session.StreamingInferenceSession;
import io.github.streaminfer.transport.detection.DetectionEndpoint;
import io.github.streaminfer.transport.detection.DetectionImage;
import io.github.streaminfer.transport.detection.DetectionSettings;
import io.github.streaminfer.transport.internal.http.Json;
import io.github.streaminfer.transport.internal.http.Outbound;
import io.github.streaminfer.transport.internal.http.ProtocolException;
import io.github.streaminfer.transport.internal.http.RouteTable;
import io.github.streaminfer.transport.internal.http.Router;
import io.github.streaminfer.transport.internal.http.ServerContext;
import io.netty.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The OpenVINO seed's detection protocols: the WebSocket {@code /stream/detection} and the REST + SSE session API
 * under {@code /stream}, over one {@link DetectionEndpoint}.
 *
 * <p><b>Note:</b> thread-safe; request handling runs on event loops, session open/close/reconfigure on the blocking
 * executor, results on session workers.
 *
 * @param <O> result value type
 */
public final class DetectionService<O> {
    static final Logger LOG = LoggerFactory.getLogger(DetectionService.class);
    static final String ENDPOINT = "detection";
    static final Set<String> SETTINGS_FIELDS = Set.of("fps_limit", "confidence_threshold", "iou_threshold",
            "enable_tracking", "quality_mode", "max_detections");
    static final Set<String> PROCESS_FIELDS = Set.of("type", "image_data", "frame_id", "timestamp");

    final ServerContext server;
    final DetectionEndpoint<O> endpoint;
    final Map<String, DetectionSession<O>> rest = new ConcurrentHashMap<>();
    final AtomicLong created = new AtomicLong();
    final AtomicLong framesProcessed = new AtomicLong();
    private ScheduledFuture<?> reaper;

    /**
     * @param server   server state
     * @param endpoint endpoint
     */
    public DetectionService(ServerContext server, DetectionEndpoint<O> endpoint) {
        this.server = server;
        this.endpoint = endpoint;
    }

    /** Starts the idle-session reaper. */
    public void start() {
        long period = Math.max(100, Math.min(1000, server.limits.sessionIdleTimeout().toMillis() / 4));
        reaper = server.group.next().scheduleAtFixedRate(this::reap, period, period, TimeUnit.MILLISECONDS);
    }

    /** Stops the reaper and closes every REST session (blocking, bounded by the drain timeout each). */
    public void stop() {
        if (reaper != null) {
            reaper.cancel(false);
        }
        for (DetectionSession<O> c : rest.values()) {
            c.close("server shutting down");
        }
    }

    private void reap() {
        long now = System.nanoTime();
        long limit = server.limits.sessionIdleTimeout().toNanos();
        for (DetectionSession<O> c : rest.values()) {
            Outbound o = c.out;
            if ((o == null || !o.channel().isActive()) && now - c.lastActivity > limit) {
                server.counter("sessions_expired_total{endpoint=\"detection\"}").increment();
                try {
                    server.blocking.execute(() -> c.close("idle timeout"));
                } catch (RejectedExecutionException e) {
                    return;
                }
            }
        }
    }

    static DetectionSettings parseSettings(ObjectNode p, DetectionSettings base) throws ProtocolException {
        double fps = Json.number(p, "fps_limit", base.fpsLimit(), 1, 1000);
        double conf = Json.number(p, "confidence_threshold", base.confidenceThreshold(), 0, 1);
        double iou = Json.number(p, "iou_threshold", base.iouThreshold(), 0, 1);
        boolean tracking = Json.bool(p, "enable_tracking", base.enableTracking());
        String quality = Json.text(p, "quality_mode", base.qualityMode(), 32);
        if (!DetectionSettings.QUALITY_MODES.contains(quality)) {
            throw new ProtocolException("invalid_field", "field 'quality_mode' is '" + Json.truncate(quality, 32)
                    + "'; allowed: fast, balanced, accurate");
        }
        double max = Json.number(p, "max_detections", base.maxDetections(), 1, 1000);
        if (max != Math.rint(max)) {
            throw new ProtocolException("invalid_field", "field 'max_detections' is " + max + "; allowed: an integer");
        }
        return new DetectionSettings(fps, conf, iou, tracking, quality, (int) max);
    }

    static ObjectNode settingsJson(DetectionSettings s) {
        ObjectNode o = Json.object();
        o.put("fps_limit", s.fpsLimit());
        o.put("confidence_threshold", s.confidenceThreshold());
        o.put("iou_threshold", s.iouThreshold());
        o.put("enable_tracking", s.enableTracking());
        o.put("quality_mode", s.qualityMode());
        o.put("max_detections", s.maxDetections());
        return o;
    }

    void reconfigure(DetectionSession<O> c, DetectionSettings s) {
        DetectionEndpoint.Reconfigurer<O> r = endpoint.reconfigurer();
        StreamingInferenceSession<DetectionImage, O> session = c.session;
        if (r != null && session != null) {
            server.blocking.execute(() -> {
                try {
                    r.apply(session, s);
                } catch (RuntimeException e) {
                    server.warnings.warn(LOG, "detection-reconfigure", "detection session {}: reconfiguration failed",
                            c.live.id(), e);
                }
            });
        }
    }

    ArrayNode applied() {
        ArrayNode a = Json.MAPPER.createArrayNode();
        a.add("fps_limit").add("confidence_threshold").add("max_detections");
        if (endpoint.reconfigurer() != null) {
            a.add("iou_threshold").add("enable_tracking").add("quality_mode");
        }
        return a;
    }

    boolean overCapacity() {
        return server.activeSessions(ENDPOINT) >= endpoint.maxSessions();
    }

    // ================================================================================================ front ends

    /** @return the HTTP routes under {@code /stream} */
    public Router.HttpRoutes routes() {
        return new DetectionRestApi<>(this).routes();
    }

    /** @return the WebSocket route {@code /stream/detection} */
    public Router.WsRoute wsRoute() {
        return new DetectionWebSocket<>(this).wsRoute();
    }

    /**
     * Describes the detection paths, for {@code GET /} and the start-up log.
     *
     * @param routes the server's routes
     */
    public void describe(RouteTable routes) {
        routes.describeWs("/stream/detection", "detection WebSocket");
        routes.describeHttp("/stream/sessions", "detection REST sessions (POST)");
        routes.describeHttp("/stream/events/{id}", "detection results (SSE)");
        routes.describeHttp("/stream/process/{id}", "detection frame upload (POST)");
        routes.describeHttp("/stream/health", "detection health");
        routes.describeHttp("/stream/stats", "detection statistics");
    }
}
