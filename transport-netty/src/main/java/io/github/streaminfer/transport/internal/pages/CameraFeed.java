package io.github.streaminfer.transport.internal.pages;

import io.github.streaminfer.transport.internal.http.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.EventLoop;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One camera session's side of the fan-out. The camera's connection {@link #offer offers} each answered frame: it
 * replaces the one before in a single slot and, unless a round is already due, wakes the fan-out loop once; that is
 * all the producer ever does, whatever the number of viewers. On the fan-out loop a round takes the newest frame, no
 * more often than the hub's frame rate; if no viewer of the camera can take a frame (all are stalled) nothing is
 * decoded or encoded and each viewer counts the frame as lost; otherwise the frame is annotated and encoded once and
 * written to every writable viewer, the others counting it lost.
 *
 * <p><b>Note:</b> {@link #offer} from any thread, never blocks; everything else runs on the fan-out loop.
 */
final class CameraFeed implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(CameraFeed.class);
    private static final float QUALITY = 0.8f;

    final String sessionId;
    final AdaptiveFeedback feedback;
    private final ViewerHub hub;
    private final EventLoop loop;
    private final long intervalNanos;
    private final AtomicReference<ViewerHub.Frame> latest = new AtomicReference<>();
    private final AtomicBoolean scheduled = new AtomicBoolean();
    final AtomicLong offered = new AtomicLong();
    final AtomicLong wakeUps = new AtomicLong();
    final AtomicLong notAnnotated = new AtomicLong();
    final AtomicLong published = new AtomicLong();
    final AtomicLong encodeNanos = new AtomicLong();
    /** Frames some viewer's output still holds, and their JPEG bytes (statistics, updated each round). */
    volatile int heldFrames;
    volatile long heldBytes;
    private final ArrayDeque<EncodedFrame> held = new ArrayDeque<>();
    private final List<FanOutViewer> round = new ArrayList<>();
    private long nextDueNanos = System.nanoTime();
    private volatile boolean closed;

    CameraFeed(String sessionId, AdaptiveFeedback feedback, ViewerHub hub, EventLoop loop, long intervalNanos) {
        this.sessionId = sessionId;
        this.feedback = feedback;
        this.hub = hub;
        this.loop = loop;
        this.intervalNanos = intervalNanos;
    }

    /**
     * Hands over the camera's newest answered frame: O(1), never waits for the viewers.
     *
     * @param frame the frame
     */
    void offer(ViewerHub.Frame frame) {
        offered.incrementAndGet();
        ViewerHub.Frame old = latest.getAndSet(frame);
        if (old != null) {
            old.release();
            notAnnotated.incrementAndGet(); // replaced before a round took it
        }
        if (closed) {
            drop();
            return;
        }
        if (!scheduled.get() && scheduled.compareAndSet(false, true)) {
            wakeUps.incrementAndGet();
            try {
                loop.execute(this);
            } catch (RejectedExecutionException e) {
                drop(); // the hub is closed
            }
        }
    }

    /** Stops the rounds and lets go of the frames. */
    void close() {
        closed = true;
        drop();
    }

    private void drop() {
        ViewerHub.Frame f = latest.getAndSet(null);
        if (f != null) {
            f.release();
        }
    }

    @Override
    public void run() {
        if (closed) {
            drop();
            release();
            return; // scheduled stays set: nothing wakes a closed camera again
        }
        long now = System.nanoTime();
        long wait = nextDueNanos - now;
        if (wait > 0) {
            loop.schedule(this, wait, TimeUnit.NANOSECONDS); // rate cap: the newest frame then is the one sent
            return;
        }
        ViewerHub.Frame f = latest.getAndSet(null);
        if (f != null) {
            try {
                round(f, now);
            } catch (RuntimeException e) {
                LOG.debug("viewer fan-out of {} failed: {}", sessionId, e.toString());
            } finally {
                f.release();
            }
        }
        scheduled.set(false);
        if (latest.get() != null && scheduled.compareAndSet(false, true)) {
            loop.execute(this); // a frame came during the round: the next round waits for its turn
        }
    }

    private void round(ViewerHub.Frame f, long now) {
        String newest = hub.newestCamera();
        round.clear();
        boolean anyReady = false;
        for (FanOutViewer v : hub.viewerList()) {
            if (v.attached && v.watches(sessionId, newest)) {
                round.add(v);
                anyReady |= v.ready();
            }
        }
        prune();
        if (round.isEmpty()) {
            return; // nobody watches any more
        }
        nextDueNanos = now + intervalNanos;
        if (!anyReady) {
            notAnnotated.incrementAndGet();
            for (FanOutViewer v : round) {
                v.missed(); // every viewer is stalled: no decoding, no encoding
            }
            round.clear();
            return;
        }
        EncodedFrame e = encode(f);
        if (e == null) {
            round.clear();
            return;
        }
        try {
            for (FanOutViewer v : round) {
                if (v.ready()) {
                    v.deliver(e);
                } else {
                    v.missed();
                }
            }
        } finally {
            round.clear();
            e.release();
        }
        held.add(e);
        prune();
    }

    private EncodedFrame encode(ViewerHub.Frame f) {
        long t0 = System.nanoTime();
        try {
            JsonNode data = Json.MAPPER.readTree(f.result()).path("data");
            List<FrameAnnotator.Box> boxes = boxes(data);
            byte[] source = ByteBufUtil.getBytes(f.image(), f.image().readerIndex(), f.image().readableBytes(), false);
            // nothing to draw on a JPEG: it is sent as it came, without decoding and encoding it again
            byte[] jpeg = boxes.isEmpty() && isJpeg(source) ? source
                    : FrameAnnotator.annotate(source, boxes, QUALITY);
            if (jpeg == null) {
                return null;
            }
            ObjectNode m = Json.object();
            m.put("type", "frame_metadata");
            m.put("session_id", f.sessionId());
            m.put("frame_id", f.frameId());
            m.put("timestamp", Json.unixSeconds());
            m.put("width", f.width());
            m.put("height", f.height());
            m.put("format", "jpeg");
            m.put("detections", boxes.size());
            m.put("processing_time_ms", data.path("processing_time_ms").asDouble(0));
            m.put("processed_at", System.currentTimeMillis());
            String json = m.toString();
            return new EncodedFrame(published.incrementAndGet(), jpeg, json.substring(0, json.length() - 1));
        } catch (java.io.IOException | RuntimeException ex) {
            LOG.debug("cannot annotate frame {} of {}: {}", f.frameId(), f.sessionId(), ex.toString());
            return null;
        } finally {
            encodeNanos.addAndGet(System.nanoTime() - t0);
        }
    }

    private static boolean isJpeg(byte[] b) {
        return b.length > 3 && (b[0] & 0xFF) == 0xFF && (b[1] & 0xFF) == 0xD8 && (b[2] & 0xFF) == 0xFF;
    }

    /** {@return the boxes of a {@code detection_result}'s data} */
    static List<FrameAnnotator.Box> boxes(JsonNode data) {
        List<FrameAnnotator.Box> boxes = new ArrayList<>();
        for (JsonNode d : data.path("detections")) {
            JsonNode b = d.path("bbox");
            String label = d.hasNonNull("class_name") ? d.get("class_name").asText()
                    : "class " + d.path("class_id").asInt();
            boxes.add(new FrameAnnotator.Box((float) b.path(0).asDouble(), (float) b.path(1).asDouble(),
                    (float) b.path(2).asDouble(), (float) b.path(3).asDouble(),
                    (float) d.path("confidence").asDouble(), label));
        }
        return boxes;
    }

    /** Forgets frames no viewer's output holds any more, and publishes what is still held. */
    private void prune() {
        long bytes = 0;
        for (var it = held.iterator(); it.hasNext(); ) {
            EncodedFrame e = it.next();
            if (e.released()) {
                it.remove();
            } else {
                bytes += e.bytes();
            }
        }
        heldFrames = held.size();
        heldBytes = bytes;
    }

    private void release() {
        held.clear();
        heldFrames = 0;
        heldBytes = 0;
    }
}
