package io.github.streaminfer.transport;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.github.streaminfer.transport.TestSupport.Msg;
import static io.github.streaminfer.transport.TestSupport.Ws;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the viewers cost the camera, counted rather than timed: one producer on a server with a single event loop,
 * first with one viewer, then with 50 of which 5 never read. Per frame the producer's event loop allocates the same
 * with 50 viewers as with one (the viewers' connections and writes live on the fan-out loop), the fan-out is woken
 * at most once and encodes at most once per frame whatever the number of viewers, a stalled viewer stops being
 * written to while its lost frames are counted and later reported to it, and what stalled viewers hold stays bounded
 * by the write-buffer watermark, not by the number of frames.
 */
class ViewerFanOutCostTest {
    private static final int FRAMES = 40;
    private static final int HIGH_WATERMARK = 64 * 1024;
    private static final java.util.concurrent.atomic.AtomicLong MAX_IMAGE = new java.util.concurrent.atomic.AtomicLong();

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void theProducersPerFrameWorkDoesNotGrowWithViewersAndStalledViewersAreSkippedWithinABoundedBacklog()
            throws Exception {
        ServerLimits limits = ServerLimits.DEFAULT.toBuilder().socketSendBufferBytes(32 * 1024)
                .writeBufferWatermarks(16 * 1024, HIGH_WATERMARK).build();
        try (StreamingServer server = TestSupport.fullServer(limits, AccessPolicy.OPEN).ioThreads(1).start();
             Ws producer = Ws.connect("ws://127.0.0.1:" + server.port() + "/stream/detection?fps_limit=1000")) {
            String sessionId = producer.next().json().get("session_id").asText();
            String viewUrl = "ws://127.0.0.1:" + server.port() + "/stream/view?session_id=" + sessionId;
            byte[] image = ViewerFanOutTest.noisyJpeg(160, 120, 3);
            List<Ws> reading = new ArrayList<>();
            reading.add(viewer(viewUrl));
            int frame = 0;
            for (int i = 0; i < 10; i++) { // warm-up: classes loaded, buffers pooled
                frameAndImage(producer, ++frame, image, reading);
            }
            Phase one = Phase.run(server, sessionId, producer, frame, FRAMES, image, reading);
            frame += FRAMES;

            List<RawClient> stalled = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                RawClient s = RawClient.connect(server, 4096);
                s.upgrade("/stream/view?session_id=" + sessionId, "");
                assertThat(s.readHead()).startsWith("HTTP/1.1 101");
                stalled.add(s); // reads nothing more
            }
            for (int i = 0; i < 44; i++) {
                reading.add(viewer(viewUrl));
            }
            for (int i = 0; i < 30; i++) { // the stalled viewers' buffers fill
                frameAndImage(producer, ++frame, image, reading);
            }
            JsonNode before = camera(server, sessionId);
            Phase fifty = Phase.run(server, sessionId, producer, frame, FRAMES, image, reading);
            frame += FRAMES;
            JsonNode after = fifty.camera;
            assertThat(after.path("viewers").asLong()).isEqualTo(50);

            // (b) the producer: per frame, at most one hand-over to the fan-out, and at most one encode for all
            for (Phase p : List.of(one, fifty)) {
                assertThat(p.wakeUps).as("fan-out wake-ups per %d frames", FRAMES).isLessThanOrEqualTo(FRAMES);
                assertThat(p.encodes).as("encodes per %d frames", FRAMES).isLessThanOrEqualTo(FRAMES);
            }
            System.out.printf("producer event loop per frame: 1 viewer %d B, %.1f us CPU; 50 viewers %d B, %.1f us"
                    + " CPU%n", one.bytesPerFrame, one.cpuNanosPerFrame / 1e3, fifty.bytesPerFrame,
                    fifty.cpuNanosPerFrame / 1e3);
            assertThat(fifty.bytesPerFrame).as("bytes the producer's event loop allocates per frame, 50 viewers vs 1")
                    .isLessThanOrEqualTo(one.bytesPerFrame + one.bytesPerFrame / 10 + 2048);

            // (a) a stalled viewer is no longer written to; each frame it misses is counted
            long frameBytes = MAX_IMAGE.get() + 1024; // an annotated frame and its metadata
            List<JsonNode> stalledAfter = stalledViewers(after);
            assertThat(stalledAfter).hasSize(5);
            for (JsonNode a : stalledAfter) {
                JsonNode b = viewer(before, a.path("viewer_id").asText());
                assertThat(b.path("frames_lost").asLong()).as("stalled before the measured frames").isPositive();
                assertThat(a.path("frames_sent").asLong()).as("frames written to a stalled viewer while it stalls")
                        .isEqualTo(b.path("frames_sent").asLong());
                assertThat(a.path("frames_lost").asLong() - b.path("frames_lost").asLong())
                        .as("frames a stalled viewer lost of the %d sent", FRAMES).isEqualTo(fifty.encodes);
                assertThat(a.path("pending_bytes").asLong()).as("bytes the server holds for a stalled viewer")
                        .isLessThanOrEqualTo(HIGH_WATERMARK + frameBytes);
            }
            // (c) memory: the frames still held are those in the stalled viewers' outputs (each below the watermark
            // plus a frame), shared, not one per frame sent, and no more than at the start of the measured frames
            assertThat(after.path("frames_held_bytes").asLong()).as("bytes of frames held")
                    .isLessThanOrEqualTo(5 * (HIGH_WATERMARK + frameBytes));
            assertThat(after.path("frames_held").asLong()).as("frames held")
                    .isLessThan(FRAMES).isLessThanOrEqualTo(before.path("frames_held").asLong() + 1);

            // a stalled viewer that reads again is told how many frames it lost
            RawClient s = stalled.get(0);
            long lostReported = -1;
            Thread reader;
            List<String> texts = java.util.Collections.synchronizedList(new ArrayList<>());
            reader = new Thread(() -> {
                try {
                    for (byte[] f; (f = s.readFrame()) != null; ) {
                        if (f[0] == 1) {
                            texts.add(new String(f, 1, f.length - 1, java.nio.charset.StandardCharsets.UTF_8));
                        }
                    }
                } catch (java.io.IOException ignored) {
                    // closed at the end
                }
            }, "stalled-viewer-reader");
            reader.setDaemon(true);
            reader.start();
            for (int i = 0; i < 40 && lostReported <= 0; i++) {
                frameAndImage(producer, ++frame, image, reading);
                Thread.sleep(20);
                synchronized (texts) {
                    for (String t : texts) {
                        JsonNode n = TestSupport.json(t);
                        if (n.path("type").asText().equals("frame_metadata")) {
                            lostReported = Math.max(lostReported, n.path("frames_lost").asLong());
                        }
                    }
                }
            }
            assertThat(lostReported).as("frames_lost in the metadata the stalled viewer reads")
                    .isGreaterThanOrEqualTo(fifty.encodes);
            for (RawClient r : stalled) {
                r.reset();
            }
            for (Ws v : reading) {
                v.close();
            }
        }
    }

    /** What one run of frames cost, read from the dashboard and the producer event loop's thread counters. */
    private record Phase(long bytesPerFrame, long cpuNanosPerFrame, long wakeUps, long encodes, JsonNode camera) {
        static Phase run(StreamingServer server, String sessionId, Ws producer, int from, int frames, byte[] image,
                         List<Ws> reading) throws Exception {
            JsonNode c0 = ViewerFanOutCostTest.camera(server, sessionId);
            long[] t0 = eventLoopThreads();
            for (int f = from + 1; f <= from + frames; f++) {
                frameAndImage(producer, f, image, reading);
            }
            long[] t1 = eventLoopThreads();
            JsonNode c1 = ViewerFanOutCostTest.camera(server, sessionId);
            return new Phase((t1[0] - t0[0]) / frames, (t1[1] - t0[1]) / frames,
                    c1.path("fan_out_wakeups").asLong() - c0.path("fan_out_wakeups").asLong(),
                    c1.path("frames_published").asLong() - c0.path("frames_published").asLong(), c1);
        }
    }

    /** {@return bytes allocated and CPU ns used so far by the server's event loops (the fan-out loop excluded)} */
    private static long[] eventLoopThreads() {
        var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long bytes = 0;
        long cpu = 0;
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith("multiThreadIoEventLoopGroup")) {
                bytes += mx.getThreadAllocatedBytes(t.getId());
                cpu += mx.getThreadCpuTime(t.getId());
            }
        }
        return new long[] {bytes, cpu};
    }

    /** Sends a frame, waits for its reply, then for every reading viewer's copy of it (paces the producer). */
    private static void frameAndImage(Ws producer, int frame, byte[] image, List<Ws> reading) throws Exception {
        producer.send("{\"type\":\"frame_metadata\",\"frameNumber\":" + frame
                + ",\"width\":160,\"height\":120,\"format\":\"jpeg\"}");
        producer.send(image);
        for (;;) {
            JsonNode n = producer.next().json();
            if (n.path("type").asText().equals("detection_result")
                    && n.path("data").path("frame_id").asLong() == frame) {
                break;
            }
            assertThat(n.path("type").asText()).as("reply to frame " + frame).isNotEqualTo("error");
        }
        for (Ws v : reading) {
            assertThat(nextImage(v)).as("frame %d at a reading viewer", frame).isTrue();
        }
    }

    private static Ws viewer(String url) throws Exception {
        Ws v = Ws.connect(url);
        assertThat(v.next().json().path("type").asText()).isEqualTo("viewer_connected");
        return v;
    }

    private static boolean nextImage(Ws v) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            Msg m = v.inbox.poll(200, TimeUnit.MILLISECONDS);
            if (m != null && m.binary() != null) {
                MAX_IMAGE.accumulateAndGet(m.binary().length, Math::max);
                return true;
            }
        }
        return false;
    }

    private static JsonNode viewer(JsonNode camera, String id) {
        for (JsonNode v : camera.path("viewer_list")) {
            if (v.path("viewer_id").asText().equals(id)) {
                return v;
            }
        }
        throw new AssertionError("no viewer " + id + " in " + camera);
    }

    private static List<JsonNode> stalledViewers(JsonNode camera) {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode v : camera.path("viewer_list")) {
            if (v.path("frames_lost").asLong() > 0) {
                out.add(v);
            }
        }
        return out;
    }

    static JsonNode camera(StreamingServer server, String sessionId) throws Exception {
        for (JsonNode s : TestSupport.json(TestSupport.get(server, "/dashboard/sessions").body()).path("sessions")) {
            if (s.path("session_id").asText().equals(sessionId)) {
                return s.path("camera");
            }
        }
        throw new AssertionError("session " + sessionId + " is not on the dashboard");
    }
}
