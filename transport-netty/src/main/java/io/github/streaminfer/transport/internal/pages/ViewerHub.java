package io.github.streaminfer.transport.internal.pages;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.streaminfer.transport.internal.http.Json;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Fans a camera session's annotated frames out to any number of viewers. The camera's connection hands over its
 * newest answered frame (only while someone watches); one annotator thread draws the detections into it and encodes
 * it once; each viewer then gets a {@code frame_metadata} text message and the JPEG as a binary message, sharing
 * one buffer. Nobody waits for anybody: a frame that arrives while the previous one is still being annotated
 * replaces it (counted in {@code frames_not_annotated}), and a viewer whose connection is not writable (its output
 * is above the high watermark because it does not read) loses that frame, counted and reported to it in the next
 * metadata's {@code frames_lost}. Memory per viewer is bounded by the watermark plus one frame.
 *
 * <p><b>Note:</b> thread-safe; {@link #offer} is called from camera connections' event loops, delivery runs on
 * the annotator thread.
 */
public final class ViewerHub implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ViewerHub.class);

    /** A frame answered by the detector, with its detections. */
    public record Frame(String sessionId, String frameId, byte[] image, int width, int height,
                        List<FrameAnnotator.Box> boxes, double processingMs) {
    }

    /** One subscribed viewer. */
    public static final class Viewer {
        final Channel channel;
        final String sessionId;
        final String id;
        final AtomicLong sent = new AtomicLong();
        final AtomicLong lost = new AtomicLong();

        Viewer(Channel channel, String sessionId, String id) {
            this.channel = channel;
            this.sessionId = sessionId;
            this.id = id;
        }

        /** {@return frames delivered to this viewer} */
        public long sent() {
            return sent.get();
        }

        /** {@return frames this viewer lost because it did not read fast enough} */
        public long lost() {
            return lost.get();
        }
    }

    private static final class Camera {
        final Channel channel;
        final AtomicReference<Frame> pending = new AtomicReference<>();
        final AtomicLong notAnnotated = new AtomicLong();
        final AtomicLong published = new AtomicLong();
        volatile AdaptiveFeedback feedback;

        Camera(Channel channel) {
            this.channel = channel;
        }
    }

    private final Map<String, Camera> cameras = new ConcurrentHashMap<>();
    private final Set<Viewer> viewers = ConcurrentHashMap.newKeySet();
    private final AtomicLong viewerIds = new AtomicLong();
    private final ExecutorService annotator = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(), r -> {
                Thread t = new Thread(r, "streaminfer-viewer-annotator");
                t.setDaemon(true);
                return t;
            });
    private volatile String newest;

    /**
     * Registers a camera session.
     *
     * @param sessionId its session
     * @param channel   its connection
     * @param feedback  its adaptive-streaming state (read by the dashboard)
     */
    public void camera(String sessionId, Channel channel, AdaptiveFeedback feedback) {
        Camera c = new Camera(channel);
        c.feedback = feedback;
        cameras.put(sessionId, c);
        newest = sessionId;
    }

    /** @param sessionId a camera session that ended */
    public void cameraClosed(String sessionId) {
        if (cameras.remove(sessionId) == null) {
            return;
        }
        for (Viewer v : viewers) {
            if (sessionId.equals(v.sessionId) || (v.sessionId == null && sessionId.equals(newest))) {
                ObjectNode o = Json.object();
                o.put("type", "camera_closed");
                o.put("session_id", sessionId);
                v.channel.writeAndFlush(new TextWebSocketFrame(o.toString()));
            }
        }
        if (sessionId.equals(newest)) {
            newest = null;
        }
    }

    /**
     * {@return true if someone watches this camera session (only then are frames worth keeping)}
     *
     * @param sessionId the camera session
     */
    public boolean watched(String sessionId) {
        for (Viewer v : viewers) {
            if (sessionId.equals(v.sessionId) || (v.sessionId == null && sessionId.equals(newest))) {
                return true;
            }
        }
        return false;
    }

    /**
     * Hands over a camera's newest answered frame; never blocks.
     *
     * @param frame the frame and its detections
     */
    public void offer(Frame frame) {
        Camera c = cameras.get(frame.sessionId());
        if (c == null) {
            return;
        }
        if (c.pending.getAndSet(frame) != null) {
            c.notAnnotated.incrementAndGet();
            return; // the annotator has a task for this camera already; it will take this newer frame
        }
        try {
            annotator.execute(() -> deliver(c));
        } catch (java.util.concurrent.RejectedExecutionException e) {
            c.pending.set(null); // closed
        }
    }

    private void deliver(Camera c) {
        Frame f = c.pending.getAndSet(null);
        if (f == null) {
            return;
        }
        byte[] jpeg;
        try {
            jpeg = FrameAnnotator.annotate(f.image(), f.boxes(), 0.8f);
        } catch (java.io.IOException | RuntimeException e) {
            LOG.debug("cannot annotate frame {} of {}: {}", f.frameId(), f.sessionId(), e.toString());
            return;
        }
        if (jpeg == null) {
            return;
        }
        c.published.incrementAndGet();
        ByteBuf shared = Unpooled.wrappedBuffer(jpeg);
        try {
            boolean isNewest = f.sessionId().equals(newest);
            for (Viewer v : viewers) {
                if (!(f.sessionId().equals(v.sessionId) || (v.sessionId == null && isNewest))) {
                    continue;
                }
                Channel ch = v.channel;
                if (!ch.isActive()) {
                    continue;
                }
                if (!ch.isWritable()) {
                    v.lost.incrementAndGet();
                    continue;
                }
                ObjectNode m = Json.object();
                m.put("type", "frame_metadata");
                m.put("session_id", f.sessionId());
                m.put("frame_id", f.frameId());
                m.put("frameNumber", v.sent.get() + v.lost.get() + 1);
                m.put("timestamp", Json.unixSeconds());
                m.put("width", f.width());
                m.put("height", f.height());
                m.put("format", "jpeg");
                m.put("detections", f.boxes().size());
                m.put("processing_time_ms", f.processingMs());
                m.put("processed_at", System.currentTimeMillis());
                m.put("frames_lost", v.lost.get());
                ch.write(new TextWebSocketFrame(m.toString()));
                ch.writeAndFlush(new BinaryWebSocketFrame(shared.retainedDuplicate()));
                v.sent.incrementAndGet();
            }
        } finally {
            shared.release();
        }
    }

    /**
     * Subscribes a viewer.
     *
     * @param channel   its connection
     * @param sessionId the camera session to watch, or null to follow the newest camera
     * @return the viewer
     */
    public Viewer subscribe(Channel channel, String sessionId) {
        Viewer v = new Viewer(channel, sessionId, "viewer-" + viewerIds.incrementAndGet());
        viewers.add(v);
        return v;
    }

    /** @param v a viewer that left */
    public void unsubscribe(Viewer v) {
        viewers.remove(v);
    }

    /** {@return the subscribed viewers} */
    public Set<Viewer> viewers() {
        return Set.copyOf(viewers);
    }

    /** {@return the session id of the newest camera, or null} */
    public String newestCamera() {
        return newest;
    }

    /**
     * Adds a camera session's fan-out and adaptive-streaming state to a dashboard entry, if it is a camera.
     *
     * @param sessionId the session
     * @param into      its dashboard entry
     */
    public void describe(String sessionId, ObjectNode into) {
        Camera c = cameras.get(sessionId);
        if (c == null) {
            return;
        }
        ObjectNode o = into.putObject("camera");
        long n = 0;
        long lost = 0;
        long pendingMax = 0;
        boolean isNewest = sessionId.equals(newest);
        for (Viewer v : viewers) {
            if (sessionId.equals(v.sessionId) || (v.sessionId == null && isNewest)) {
                n++;
                lost += v.lost.get();
                ChannelOutboundBuffer out = v.channel.unsafe().outboundBuffer();
                pendingMax = Math.max(pendingMax, out == null ? 0 : out.totalPendingWriteBytes());
            }
        }
        o.put("viewers", n);
        o.put("viewer_frames_lost", lost);
        o.put("viewer_pending_bytes_max", pendingMax);
        o.put("frames_published", c.published.get());
        o.put("frames_not_annotated", c.notAnnotated.get());
        AdaptiveFeedback fb = c.feedback;
        if (fb != null) {
            o.put("recommended_fps", fb.fps());
            o.put("recommended_quality", fb.quality());
        }
    }

    /** Stops the annotator thread. */
    @Override
    public void close() {
        annotator.shutdownNow();
    }
}
