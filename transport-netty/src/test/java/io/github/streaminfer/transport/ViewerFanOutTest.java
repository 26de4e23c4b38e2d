package io.github.streaminfer.transport;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static io.github.streaminfer.transport.TestSupport.Msg;
import static io.github.streaminfer.transport.TestSupport.Ws;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The camera fan-out: one producer on the detection WebSocket, 50 viewers on {@code /stream/view}, 5 of which stop
 * reading. The producer gets every reply, the reading viewers get the annotated frames, the stalled ones lose frames
 * (counted, and reported to a stalled viewer once it reads again), and what the server holds for a stalled viewer
 * stays below the write-buffer high watermark plus one frame.
 */
class ViewerFanOutTest {
    private static final int VIEWERS = 50;
    private static final int STALLED = 5;
    private static final int MIN_FRAMES = 20;
    private static final int MAX_FRAMES = 300;

    /** A viewer that never asks for a message: its socket fills and the server sees it as not writable. */
    static final class StalledViewer implements WebSocket.Listener {
        final AtomicLong binaries = new AtomicLong();
        volatile long lastLostReported = -1;
        WebSocket ws;

        @Override
        public void onOpen(WebSocket webSocket) {
            // no request(): nothing is read
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            JsonNode n = TestSupport.json(data.toString());
            if (n.path("type").asText().equals("frame_metadata")) {
                lastLostReported = n.path("frames_lost").asLong();
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
            if (last) {
                binaries.incrementAndGet();
            }
            webSocket.request(1);
            return null;
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void fiftyViewersOfWhichFiveStallNeitherSlowTheProducerNorEachOtherAndStalledOnesLoseCountedFrames()
            throws Exception {
        // a small kernel send buffer, so that a viewer that stops reading is noticed after a few frames
        ServerLimits limits = ServerLimits.DEFAULT.toBuilder().socketSendBufferBytes(64 * 1024).build();
        try (StreamingServer server = TestSupport.fullServer(limits, AccessPolicy.OPEN).start();
             Ws producer = Ws.connect("ws://127.0.0.1:" + server.port() + "/stream/detection?fps_limit=1000")) {
            String sessionId = producer.next().json().get("session_id").asText();
            List<Ws> reading = new ArrayList<>();
            List<StalledViewer> stalled = new ArrayList<>();
            String viewUrl = "ws://127.0.0.1:" + server.port() + "/stream/view?session_id=" + sessionId;
            for (int i = 0; i < VIEWERS - STALLED; i++) {
                Ws v = Ws.connect(viewUrl);
                assertThat(v.next().json().get("type").asText()).isEqualTo("viewer_connected");
                reading.add(v);
            }
            for (int i = 0; i < STALLED; i++) {
                StalledViewer s = new StalledViewer();
                s.ws = TestSupport.http().newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5))
                        .buildAsync(URI.create(viewUrl), s).get(10, TimeUnit.SECONDS);
                stalled.add(s);
            }
            byte[] image = noisyJpeg(320, 240, 1);
            Ws paced = reading.get(0);
            JsonNode camera = null;
            int sent = 0;
            for (int f = 1; f <= MAX_FRAMES; f++) {
                send(producer, f, image);
                assertThat(replyTo(producer, f)).as("reply to frame " + f).isEqualTo("detection_result");
                // the first reading viewer gets each annotated frame before the next is sent: on a loaded machine
                // this paces the producer to the annotator, so that every frame is published
                assertThat(nextImage(paced)).as("frame " + f + " at the first viewer").isTrue();
                sent = f;
                if (f >= MIN_FRAMES && f % 10 == 0) {
                    camera = camera(server, sessionId);
                    if (camera.path("viewer_frames_lost").asLong() > 0) {
                        break;
                    }
                }
            }
            assertThat(camera.path("viewer_frames_lost").asLong()).as("frames the stalled viewers lost").isPositive();
            long published = camera.path("frames_published").asLong();
            assertThat(published).isEqualTo(sent);
            assertThat(camera.path("viewers").asLong()).isEqualTo(VIEWERS);
            // memory: a stalled viewer holds at most the high watermark plus one frame (metadata + JPEG)
            assertThat(camera.path("viewer_pending_bytes_max").asLong())
                    .isLessThanOrEqualTo(limits.writeBufferHighBytes() + image.length * 2L + 4096);
            for (Ws v : reading.subList(1, reading.size())) {
                long frames = 0;
                while (frames < published && nextImage(v)) {
                    frames++;
                }
                assertThat(frames).as("frames a reading viewer got of " + published).isEqualTo(published);
            }
            // a stalled viewer that reads again is told how many frames it lost
            StalledViewer s = stalled.get(0);
            s.ws.request(Long.MAX_VALUE);
            for (int f = sent + 1; f <= sent + 20 && s.lastLostReported <= 0; f++) {
                send(producer, f, image);
                replyTo(producer, f);
                Thread.sleep(50);
            }
            assertThat(s.lastLostReported).as("frames_lost reported to the stalled viewer").isPositive();
            for (Ws v : reading) {
                v.close();
            }
            for (StalledViewer x : stalled) {
                x.ws.abort();
            }
        }
    }

    private static void send(Ws producer, int frame, byte[] image) {
        producer.send("{\"type\":\"frame_metadata\",\"frameNumber\":" + frame
                + ",\"width\":320,\"height\":240,\"format\":\"jpeg\"}");
        producer.send(image);
    }

    private static String replyTo(Ws producer, int frame) throws InterruptedException {
        for (;;) {
            JsonNode n = producer.next().json();
            String type = n.path("type").asText();
            if (type.equals("stream_feedback")) {
                continue;
            }
            JsonNode id = type.equals("detection_result") ? n.path("data").path("frame_id") : n.path("frame_id");
            if (id.asLong() == frame) {
                return type;
            }
        }
    }

    /** Reads a viewer's next image; its metadata must report nothing lost. */
    private static boolean nextImage(Ws v) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            Msg m = v.inbox.poll(200, TimeUnit.MILLISECONDS);
            if (m == null) {
                continue;
            }
            if (m.binary() != null) {
                return true;
            }
            if (m.text() != null && m.json().path("type").asText().equals("frame_metadata")) {
                assertThat(m.json().path("frames_lost").asLong()).as("a reading viewer lost nothing").isZero();
            }
        }
        return false;
    }

    private static JsonNode camera(StreamingServer server, String sessionId) throws Exception {
        for (JsonNode s : TestSupport.json(TestSupport.get(server, "/dashboard/sessions").body()).path("sessions")) {
            if (s.path("session_id").asText().equals(sessionId)) {
                return s.path("camera");
            }
        }
        throw new AssertionError("session " + sessionId + " is not on the dashboard");
    }

    /** A JPEG of random pixels: large (tens of KB), so that stalled viewers' socket buffers fill quickly. */
    static byte[] noisyJpeg(int w, int h, long seed) throws Exception {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Random r = new Random(seed);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, r.nextInt(0x1000000));
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "jpg", out);
        return out.toByteArray();
    }
}
