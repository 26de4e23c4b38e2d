package io.github.streaminfer.transport;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.github.streaminfer.transport.TestSupport.Ws;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The viewer SSE stream, {@code /stream/view/events}: an SSE viewer gets {@code viewer_connected}, then per frame a
 * {@code frame_metadata} event and a {@code frame} event holding the annotated JPEG in base64, the same frames a
 * WebSocket viewer of the session gets; when it disconnects the hub drops it and the camera goes on.
 */
class SseViewerTest {
    private static final Pattern EVENT = Pattern.compile("event: (\\w+)\ndata: ([^\n]*)\n\n");

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void anSseViewerReceivesAnnotatedFramesAndIsDroppedCleanlyWhenItDisconnects() throws Exception {
        try (StreamingServer server = TestSupport.fullServer(ServerLimits.DEFAULT, AccessPolicy.OPEN).start();
             Ws producer = Ws.connect("ws://127.0.0.1:" + server.port() + "/stream/detection?fps_limit=1000");
             RawClient sse = RawClient.connect(server)) {
            String sessionId = producer.next().json().get("session_id").asText();
            sse.write("GET /stream/view/events?session_id=" + sessionId + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    + "Accept: text/event-stream\r\n\r\n");
            String head = sse.readHead();
            assertThat(head).startsWith("HTTP/1.1 200").containsIgnoringCase("content-type: text/event-stream");
            StringBuilder received = new StringBuilder();
            Thread reader = new Thread(() -> {
                byte[] buf = new byte[16384];
                try {
                    for (int n; (n = sse.in.read(buf)) > 0; ) {
                        synchronized (received) {
                            received.append(new String(buf, 0, n, StandardCharsets.ISO_8859_1));
                        }
                    }
                } catch (IOException ignored) {
                    // the test resets the connection
                }
            }, "sse-viewer-reader");
            reader.setDaemon(true);
            reader.start();

            byte[] image = ViewerFanOutTest.noisyJpeg(160, 120, 5);
            List<String[]> events = new ArrayList<>();
            for (int f = 1; f <= 100 && count(events, "frame") < 3; f++) {
                producer.send("{\"type\":\"frame_metadata\",\"frameNumber\":" + f
                        + ",\"width\":160,\"height\":120,\"format\":\"jpeg\"}");
                producer.send(image);
                Thread.sleep(60);
                events = events(received);
            }
            assertThat(events).as("events").isNotEmpty();
            assertThat(events.get(0)[0]).isEqualTo("viewer_connected");
            assertThat(TestSupport.json(events.get(0)[1]).path("transport").asText()).isEqualTo("sse");
            assertThat(count(events, "frame")).as("frame events").isGreaterThanOrEqualTo(3);
            long lastNumber = 0;
            for (int i = 1; i < events.size(); i++) {
                String[] e = events.get(i);
                if (e[0].equals("frame_metadata")) {
                    JsonNode m = TestSupport.json(e[1]);
                    assertThat(m.path("session_id").asText()).isEqualTo(sessionId);
                    assertThat(m.path("frames_lost").asLong()).as("a reading SSE viewer lost nothing").isZero();
                    assertThat(m.path("frameNumber").asLong()).isGreaterThan(lastNumber);
                    lastNumber = m.path("frameNumber").asLong();
                    assertThat(events.get(i + 1)[0]).as("the image follows its metadata").isEqualTo("frame");
                } else if (e[0].equals("frame")) {
                    BufferedImage img = ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(e[1])));
                    assertThat(img).as("a decodable JPEG").isNotNull();
                    assertThat(img.getWidth()).isEqualTo(160);
                }
            }
            assertThat(ViewerFanOutCostTest.camera(server, sessionId).path("viewers").asLong()).isEqualTo(1);

            sse.reset();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            long viewers;
            int f = 1000;
            do {
                producer.send("{\"type\":\"frame_metadata\",\"frameNumber\":" + (++f)
                        + ",\"width\":160,\"height\":120,\"format\":\"jpeg\"}");
                producer.send(image);
                Thread.sleep(50);
                viewers = ViewerFanOutCostTest.camera(server, sessionId).path("viewers").asLong();
            } while (viewers > 0 && System.nanoTime() < deadline);
            assertThat(viewers).as("viewers after the SSE viewer disconnected").isZero();
            assertThat(TestSupport.json(TestSupport.get(server, "/stream/health").body()).isObject()).isTrue();
            // the camera is still served
            producer.send("{\"type\":\"frame_metadata\",\"frameNumber\":5000,\"width\":160,\"height\":120}");
            producer.send(image);
            boolean answered = false;
            for (int i = 0; i < 1000 && !answered; i++) {
                JsonNode n = producer.next().json();
                answered = n.path("type").asText().equals("detection_result")
                        && n.path("data").path("frame_id").asLong() == 5000;
            }
            assertThat(answered).as("the producer is answered after its viewer left").isTrue();
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void onTheNioTransportViewersAreMovedToTheFanOutLoopAndGetFramesToo() throws Exception {
        try (StreamingServer server = TestSupport.fullServer(ServerLimits.DEFAULT, AccessPolicy.OPEN)
                .nativeTransport(false).start();
             Ws producer = Ws.connect("ws://127.0.0.1:" + server.port() + "/stream/detection?fps_limit=1000")) {
            assertThat(server.ioTransport()).isEqualTo("nio");
            String sessionId = producer.next().json().get("session_id").asText();
            Ws viewer = Ws.connect("ws://127.0.0.1:" + server.port() + "/stream/view?session_id=" + sessionId);
            assertThat(viewer.next().json().path("type").asText()).isEqualTo("viewer_connected");
            byte[] image = ViewerFanOutTest.noisyJpeg(160, 120, 6);
            boolean got = false;
            for (int f = 1; f <= 50 && !got; f++) {
                producer.send("{\"type\":\"frame_metadata\",\"frameNumber\":" + f
                        + ",\"width\":160,\"height\":120,\"format\":\"jpeg\"}");
                producer.send(image);
                TestSupport.Msg m = viewer.inbox.poll(200, TimeUnit.MILLISECONDS);
                while (m != null && !got) {
                    got = m.binary() != null;
                    m = got ? null : viewer.inbox.poll(50, TimeUnit.MILLISECONDS);
                }
            }
            assertThat(got).as("an annotated frame at a viewer of a NIO server").isTrue();
            viewer.close();
        }
    }

    private static List<String[]> events(StringBuilder received) {
        List<String[]> out = new ArrayList<>();
        synchronized (received) {
            Matcher m = EVENT.matcher(received);
            while (m.find()) {
                out.add(new String[] {m.group(1), m.group(2)});
            }
        }
        return out;
    }

    private static long count(List<String[]> events, String name) {
        return events.stream().filter(e -> e[0].equals(name)).count();
    }
}
