package io.github.streaminfer.transport.internal.pages;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.streaminfer.transport.internal.http.Json;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerAdapter;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Sits in front of a detection WebSocket connection's handler and adds the real-time YOLO seed's camera side without
 * touching the detection protocol: it watches the {@code frame_metadata} + binary image pairs going in and the
 * {@code detection_result} / {@code "Frame queue full"} replies going out. From the replies' server-measured
 * latencies, the drops and the frames still unanswered it runs {@link AdaptiveFeedback} and, for a client that asked
 * for it ({@code adaptive=true}), sends a {@code stream_feedback} message whenever the recommendation changes (other
 * clients see no new message); while someone watches the session it keeps
 * the last few images and hands each answered one, with its reply, to the {@link ViewerHub}. What it does per frame
 * does not depend on the number of viewers: a check of a counter, a copy of the image and of the reply while someone
 * watches, and a slot swap in the hub; the reply is parsed, the image annotated and encoded, on the hub's loop.
 *
 * <p><b>Note:</b> one instance per connection; event loop only.
 */
public final class CameraTap extends ChannelDuplexHandler {
    private static final int KEPT_IMAGES = 8;

    /** Settings of the feedback every camera connection gets. */
    public record Bounds(double minFps, double maxFps, double minQuality, double maxQuality, double targetLatencyMs) {
        /** Defaults: 2 to 30 fps, JPEG quality 0.4 to 0.9, a 100 ms latency budget. */
        public static final Bounds DEFAULT = new Bounds(2, 30, 0.4, 0.9, 100);
    }

    private final ViewerHub hub;
    private final boolean adaptive;
    private final AdaptiveFeedback feedback;
    /** A camera image (a retained slice of the received message) kept until its reply comes, with its size. */
    private record Kept(ByteBuf image, int width, int height) {
    }

    private final Map<String, Kept> images = new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Kept> eldest) {
            if (size() <= KEPT_IMAGES) {
                return false;
            }
            eldest.getValue().image().release();
            return true;
        }
    };
    private String sessionId;
    private String pendingId;
    private int pendingWidth;
    private int pendingHeight;
    private long sent;
    private long answered;

    private CameraTap(ViewerHub hub, Bounds bounds, boolean adaptive) {
        this.hub = hub;
        this.adaptive = adaptive;
        this.feedback = new AdaptiveFeedback(bounds.minFps, bounds.maxFps, bounds.minQuality, bounds.maxQuality,
                bounds.targetLatencyMs, System.nanoTime());
    }

    /**
     * Wraps a detection connection's handler so that the tap is installed in front of it.
     *
     * @param handler the detection handler the route admitted
     * @param hub     the viewer fan-out
     * @param bounds   feedback settings
     * @param adaptive whether the client asked for {@code stream_feedback} messages
     * @return a handler that replaces itself by the tap and the detection handler
     */
    public static ChannelHandler install(ChannelHandler handler, ViewerHub hub, Bounds bounds, boolean adaptive) {
        return new ChannelHandlerAdapter() {
            @Override
            public void handlerAdded(ChannelHandlerContext ctx) {
                String me = ctx.name();
                ctx.pipeline().addAfter(me, "camera-tap", new CameraTap(hub, bounds, adaptive));
                ctx.pipeline().addAfter("camera-tap", me + "-handler", handler);
                ctx.pipeline().remove(this);
            }
        };
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (msg instanceof TextWebSocketFrame t && contains(t.content(), "frame_metadata")) {
            // the frame's id and size matter only while someone watches; they are scanned, not parsed
            pendingId = sessionId != null && hub.watched(sessionId) ? metadataId(t.content()) : null;
            if (pendingId != null) {
                pendingWidth = (int) number(t.content(), "\"width\":");
                pendingHeight = (int) number(t.content(), "\"height\":");
            }
        } else if (msg instanceof BinaryWebSocketFrame b) {
            sent++;
            if (pendingId != null && sessionId != null && hub.watched(sessionId)) {
                // no copy: a retained slice of the message, released when replaced, evicted or sent
                Kept old = images.put(pendingId, new Kept(b.content().retainedSlice(), pendingWidth, pendingHeight));
                if (old != null) {
                    old.image().release();
                }
            }
            pendingId = null;
        } else if (msg instanceof TextWebSocketFrame t && contains(t.content(), "\"frame\"")) {
            sent++;
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
        if (msg instanceof TextWebSocketFrame t) {
            ByteBuf c = t.content();
            if (contains(c, "detection_result")) {
                answered++;
                feedback.result(number(c, "\"processing_time_ms\":"));
                if (!images.isEmpty()) {
                    result(c);
                }
            } else if (contains(c, "\"error\"") && contains(c, "frame_id")) {
                answered++;
                if (contains(c, "Frame queue full")) {
                    feedback.drop();
                }
            } else if (sessionId == null && contains(c, "\"connected\"")) {
                JsonNode n = parse(c);
                if (n != null && n.hasNonNull("session_id")) {
                    sessionId = n.get("session_id").asText();
                    hub.camera(sessionId, feedback);
                }
            }
        }
        ctx.write(msg, promise);
        int waiting = (int) Math.max(0, sent - answered);
        if (adaptive && sessionId != null && feedback.evaluate(System.nanoTime(), waiting)) {
            ObjectNode o = Json.object();
            o.put("type", "stream_feedback");
            o.put("recommended_fps", feedback.fps());
            o.put("jpeg_quality", feedback.quality());
            o.put("target_latency_ms", feedback.targetLatencyMs());
            o.put("queue_depth", waiting);
            o.put("reason", feedback.reason());
            o.put("timestamp", Json.unixSeconds());
            ctx.write(new TextWebSocketFrame(o.toString()));
        }
    }

    /**
     * Hands an answered frame that was kept for the viewers to the hub: the reply is copied as it is (a few hundred
     * bytes) and parsed on the fan-out loop, and only if the frame is sent to someone.
     */
    private void result(ByteBuf reply) {
        String id = frameId(reply);
        Kept k = id == null ? null : images.remove(id);
        if (k == null || sessionId == null) {
            return;
        }
        hub.offer(new ViewerHub.Frame(sessionId, id, k.image(), k.width(), k.height(), ByteBufUtil.getBytes(reply)));
    }

    /** The reply's {@code "frame_id"} (the first one: the encoder writes it before the detections) as text. */
    static String frameId(ByteBuf reply) {
        return value(reply, "\"frame_id\":");
    }

    /** A {@code frame_metadata}'s {@code frame_id}, else its {@code frameNumber}, as text; null if neither. */
    static String metadataId(ByteBuf metadata) {
        String id = value(metadata, "\"frame_id\":");
        return id != null ? id : value(metadata, "\"frameNumber\":");
    }

    /** The value after a key, without parsing the message: a string's text or a number's digits; null if absent. */
    private static String value(ByteBuf buf, String key) {
        int from = after(buf, key);
        if (from >= 0) {
            while (from < buf.writerIndex() && buf.getByte(from) == ' ') {
                from++;
            }
            if (from >= buf.writerIndex()) {
                return null;
            }
            if (buf.getByte(from) == '"') {
                int to = from + 1;
                boolean escaped = false;
                while (to < buf.writerIndex() && buf.getByte(to) != '"') {
                    if (buf.getByte(to) == '\\') {
                        escaped = true;
                        to++; // the escaped character, which may be a quote
                    }
                    to++;
                }
                if (!escaped) {
                    return buf.toString(from + 1, to - from - 1, StandardCharsets.UTF_8);
                }
                try { // the parser reads the escapes as the detection handler did
                    return Json.MAPPER.readValue(buf.toString(from, to - from + 1, StandardCharsets.UTF_8),
                            String.class);
                } catch (java.io.IOException | RuntimeException e) {
                    return null;
                }
            }
            int to = from;
            while (to < buf.writerIndex()) {
                byte b = buf.getByte(to);
                if (b == ',' || b == '}' || b == ' ' || b == ']') {
                    break;
                }
                to++;
            }
            String v = buf.toString(from, to - from, StandardCharsets.UTF_8);
            return v.equals("null") ? null : v;
        }
        return null;
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (sessionId != null) {
            hub.cameraClosed(sessionId);
        }
        for (Kept k : images.values()) {
            k.image().release();
        }
        images.clear();
        super.channelInactive(ctx);
    }

    private static boolean contains(ByteBuf buf, String ascii) {
        byte[] needle = ascii.getBytes(StandardCharsets.US_ASCII);
        int end = buf.writerIndex() - needle.length;
        outer:
        for (int i = buf.readerIndex(); i <= end; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (buf.getByte(i + j) != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    /** {@return the index just after the first occurrence of {@code key} in the readable bytes, or -1} */
    private static int after(ByteBuf buf, String key) {
        byte[] needle = key.getBytes(StandardCharsets.US_ASCII);
        int end = buf.writerIndex() - needle.length;
        outer:
        for (int i = buf.readerIndex(); i <= end; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (buf.getByte(i + j) != needle[j]) {
                    continue outer;
                }
            }
            return i + needle.length;
        }
        return -1;
    }

    /** The JSON number after a key, without parsing the message; 0 if absent. */
    private static double number(ByteBuf buf, String key) {
        int from = after(buf, key);
        if (from >= 0) {
            int to = from;
            while (to < buf.writerIndex()) {
                byte b = buf.getByte(to);
                if ((b < '0' || b > '9') && b != '.' && b != '-' && b != 'e' && b != 'E' && b != '+' && b != ' ') {
                    break;
                }
                to++;
            }
            try {
                return Double.parseDouble(buf.toString(from, to - from, StandardCharsets.US_ASCII).trim());
            } catch (NumberFormatException e) {
                return 0;
            }
        }
        return 0;
    }

    private static JsonNode parse(ByteBuf buf) {
        try {
            return Json.MAPPER.readTree(buf.toString(StandardCharsets.UTF_8));
        } catch (java.io.IOException e) {
            return null; // the detection handler answers malformed messages itself
        }
    }
}
