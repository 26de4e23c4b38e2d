package io.github.streaminfer.transport.internal.pages;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.streaminfer.transport.internal.http.Json;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Fans camera sessions' annotated frames out to any number of viewers (WebSocket or SSE) without slowing the
 * camera or one viewer for another.
 * <ul>
 *   <li><b>Producer:</b> a camera's connection {@link #offer offers} its newest answered frame, which costs it a
 *       slot swap and at most one wake-up of the fan-out loop, whatever the number of viewers
 *       ({@link CameraFeed}).</li>
 *   <li><b>Fan-out loop:</b> one event loop of the hub's own. Every viewer's connection is moved onto it when it
 *       subscribes, so viewers' writes, flushes and socket work never run on a camera's event loop. On it a camera's
 *       frame is annotated and JPEG-encoded at most once, only when some viewer can take it, and no more often
 *       than the hub's frame rate (latest wins: the frames in between are counted in
 *       {@code frames_not_annotated}).</li>
 *   <li><b>Viewers:</b> each writable viewer gets its metadata and the one shared JPEG buffer with one flush; a
 *       viewer whose output is above the write-buffer high watermark is skipped, the frame counted in its
 *       {@code frames_lost} and reported in its next metadata. A stalled viewer therefore holds at most the
 *       watermark plus one frame, and frames are shared, not copied.</li>
 * </ul>
 *
 * <p><b>Note:</b> thread-safe; {@link #offer} and {@link #watched} are called on cameras' event loops and never
 * block; frames are delivered on the fan-out loop.
 */
public final class ViewerHub implements AutoCloseable {
    /** Default cap on frames per second sent to a camera's viewers. */
    public static final double DEFAULT_MAX_FPS = 30;
    /** Most viewers listed one by one in a camera's dashboard entry. */
    private static final int DESCRIBED_VIEWERS = 64;

    /**
     * A frame answered by the detector, as the camera's connection saw it.
     *
     * @param sessionId    the camera session
     * @param frameId      the frame's id
     * @param image        the encoded source frame (owned: released by the hub)
     * @param width        width the client announced (0 if none)
     * @param height       height the client announced (0 if none)
     * @param result       the {@code detection_result} message, parsed only if the frame is sent to viewers
     */
    public record Frame(String sessionId, String frameId, ByteBuf image, int width, int height, byte[] result) {
        /** Lets go of the image. */
        void release() {
            image.release();
        }
    }

    private final EventLoopGroup group;
    private final EventLoop loop;
    private final long intervalNanos;
    private final Map<String, CameraFeed> cameras = new ConcurrentHashMap<>();
    private final List<FanOutViewer> viewers = new CopyOnWriteArrayList<>();
    private final Map<String, AtomicInteger> watchers = new ConcurrentHashMap<>();
    private final AtomicInteger followers = new AtomicInteger();
    private final AtomicLong viewerIds = new AtomicLong();
    private volatile String newest;

    /**
     * Starts the fan-out loop.
     *
     * @param io     the I/O handler of the server's event loops (viewers' connections move onto this hub's loop,
     *               which must be of the same kind)
     * @param maxFps most frames per second sent to one camera's viewers
     */
    public ViewerHub(IoHandlerFactory io, double maxFps) {
        if (!(maxFps > 0) || maxFps > 1000) {
            throw new IllegalArgumentException("maxFps is " + maxFps + "; allowed: (0, 1000]");
        }
        this.group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("streaminfer-viewer-fanout", true),
                io);
        this.loop = group.next();
        this.intervalNanos = (long) (1e9 / maxFps);
    }

    /**
     * Starts the fan-out loop with {@link #DEFAULT_MAX_FPS}.
     *
     * @param io the I/O handler of the server's event loops
     */
    public ViewerHub(IoHandlerFactory io) {
        this(io, DEFAULT_MAX_FPS);
    }

    /**
     * Registers a camera session.
     *
     * @param sessionId its session
     * @param feedback  its adaptive-streaming state (read by the dashboard)
     */
    public void camera(String sessionId, AdaptiveFeedback feedback) {
        CameraFeed old = cameras.put(sessionId, new CameraFeed(sessionId, feedback, this, loop, intervalNanos));
        if (old != null) {
            old.close();
        }
        newest = sessionId;
    }

    /** @param sessionId a camera session that ended; its viewers are told {@code camera_closed} */
    public void cameraClosed(String sessionId) {
        CameraFeed c = cameras.remove(sessionId);
        if (c == null) {
            return;
        }
        c.close();
        boolean wasNewest = sessionId.equals(newest);
        if (wasNewest) {
            newest = null;
        }
        ObjectNode o = Json.object();
        o.put("type", "camera_closed");
        o.put("session_id", sessionId);
        String json = o.toString();
        try {
            loop.execute(() -> {
                for (FanOutViewer v : viewers) {
                    if (v.attached && (sessionId.equals(v.sessionId) || (v.sessionId == null && wasNewest))) {
                        v.send("camera_closed", json);
                    }
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // the hub is closed: its viewers' connections are closed with it
        }
    }

    /**
     * {@return true if someone watches this camera session (only then are its frames worth keeping); O(1)}
     *
     * @param sessionId the camera session
     */
    public boolean watched(String sessionId) {
        AtomicInteger w = watchers.get(sessionId);
        return (w != null && w.get() > 0) || (followers.get() > 0 && sessionId.equals(newest));
    }

    /**
     * Hands over a camera's newest answered frame; O(1) and never blocks, whatever the number of viewers.
     *
     * @param frame the frame and its detection result (ownership of its image passes)
     */
    public void offer(Frame frame) {
        CameraFeed c = cameras.get(frame.sessionId());
        if (c != null) {
            c.offer(frame);
        } else {
            frame.release();
        }
    }

    /**
     * Subscribes a viewer: its connection leaves its event loop for the fan-out loop, and once there it gets
     * {@code viewer_connected} and, from then on, the frames of the camera it watches.
     *
     * @param channel   its connection, on its event loop, with nothing left to write
     * @param sessionId the camera session to watch, or null to follow the newest camera
     * @param kind      how it receives frames
     * @return the viewer
     */
    public FanOutViewer subscribe(Channel channel, String sessionId, FanOutViewer.Kind kind) {
        FanOutViewer v = new FanOutViewer(channel, sessionId, "viewer-" + viewerIds.incrementAndGet(), kind);
        if (sessionId == null) {
            followers.incrementAndGet();
        } else {
            watchers.compute(sessionId, (k, w) -> {
                AtomicInteger n = w == null ? new AtomicInteger() : w;
                n.incrementAndGet();
                return n;
            });
        }
        viewers.add(v);
        if (channel.eventLoop() == loop) {
            attach(v);
        } else {
            channel.deregister().addListener(d -> {
                if (!d.isSuccess()) {
                    channel.close();
                    return;
                }
                loop.register(channel).addListener(r -> {
                    if (r.isSuccess()) {
                        attach(v);
                    } else {
                        channel.close();
                        unsubscribe(v); // a channel that is nowhere registered fires no channelInactive
                    }
                });
            });
        }
        return v;
    }

    private void attach(FanOutViewer v) {
        v.attached = true;
        ObjectNode o = Json.object();
        o.put("type", "viewer_connected");
        o.put("viewer_id", v.id);
        if (v.sessionId != null) {
            o.put("session_id", v.sessionId);
        } else {
            o.put("following", "newest camera");
            o.put("session_id", newest);
        }
        o.put("transport", v.kind == FanOutViewer.Kind.SSE ? "sse" : "websocket");
        v.send("viewer_connected", o.toString());
    }

    /** @param v a viewer that left (idempotent) */
    public void unsubscribe(FanOutViewer v) {
        if (!viewers.remove(v)) {
            return;
        }
        if (v.sessionId == null) {
            followers.decrementAndGet();
        } else {
            watchers.computeIfPresent(v.sessionId, (k, w) -> w.decrementAndGet() <= 0 ? null : w);
        }
    }

    /** {@return the subscribed viewers (any thread; iteration sees a snapshot)} */
    public List<FanOutViewer> viewerList() {
        return viewers;
    }

    /** {@return the session id of the newest camera, or null} */
    public String newestCamera() {
        return newest;
    }

    /** {@return the fan-out loop, on which viewers' connections live} */
    public EventLoop loop() {
        return loop;
    }

    /**
     * Adds a camera session's fan-out and adaptive-streaming state to a dashboard entry, if it is a camera.
     *
     * @param sessionId the session
     * @param into      its dashboard entry
     */
    public void describe(String sessionId, ObjectNode into) {
        CameraFeed c = cameras.get(sessionId);
        if (c == null) {
            return;
        }
        ObjectNode o = into.putObject("camera");
        long n = 0;
        long lost = 0;
        long pendingMax = 0;
        String now = newest;
        com.fasterxml.jackson.databind.node.ArrayNode list = Json.MAPPER.createArrayNode();
        for (FanOutViewer v : viewers) {
            if (v.watches(sessionId, now)) {
                n++;
                lost += v.lost();
                long pending = v.pendingBytes();
                pendingMax = Math.max(pendingMax, pending);
                if (list.size() < DESCRIBED_VIEWERS) {
                    ObjectNode d = list.addObject();
                    d.put("viewer_id", v.id);
                    d.put("transport", v.kind == FanOutViewer.Kind.SSE ? "sse" : "websocket");
                    d.put("frames_sent", v.sent());
                    d.put("frames_lost", v.lost());
                    d.put("pending_bytes", pending);
                }
            }
        }
        o.put("viewers", n);
        o.put("viewer_frames_lost", lost);
        o.put("viewer_pending_bytes_max", pendingMax);
        o.put("frames_offered", c.offered.get());
        o.put("frames_published", c.published.get());
        o.put("frames_not_annotated", c.notAnnotated.get());
        o.put("fan_out_wakeups", c.wakeUps.get());
        o.put("frames_held", c.heldFrames);
        o.put("frames_held_bytes", c.heldBytes);
        o.put("encode_ms_total", Math.round(c.encodeNanos.get() / 1e4) / 100.0);
        AdaptiveFeedback fb = c.feedback;
        if (fb != null) {
            o.put("recommended_fps", fb.fps());
            o.put("recommended_quality", fb.quality());
        }
        o.set("viewer_list", list);
    }

    /** Stops the fan-out loop, closing the viewers' connections. */
    @Override
    public void close() {
        cameras.values().forEach(CameraFeed::close);
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
}
