package io.github.streaminfer.transport;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.streaminfer.session.StreamingInferenceSession;
import io.github.streaminfer.task.Activation;
import io.github.streaminfer.task.Classification;
import io.github.streaminfer.task.SignalWindowTask;
import io.github.streaminfer.testkit.ScriptedModel;
import io.github.streaminfer.transport.signal.ClassificationEncoder;
import io.github.streaminfer.transport.signal.SignalEndpoint;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The signal SSE stream ({@code POST /infer/stream}) over a lossless windowing session, read by a raw HTTP client on
 * loopback: every window is answered in order and accounted for, the headers and the first window come at once, a
 * finished stream frees its tier slot before the client sees its end, and a client that stops reading is told how many
 * events it missed.
 */
class SignalStreamDeliveryTest {
    static final String KEY_FAST = "fast_key_0123456789";
    static final String KEY_FREE = "free_key_0123456789";
    static StreamingServer server;
    /** Tiny write-buffer watermarks, so that a client that does not read is noticed within a few events. */
    static StreamingServer tightServer;

    @BeforeAll
    static void start() {
        AccessPolicy access = AccessPolicy.builder().apiKey(KEY_FAST, new Tier("fast", Tier.UNLIMITED, 0))
                .apiKey(KEY_FREE, Tier.FREE).build();
        server = signalServer(ServerLimits.DEFAULT, access);
        tightServer = signalServer(ServerLimits.DEFAULT.toBuilder().writeBufferWatermarks(1024, 2048)
                .socketSendBufferBytes(4096).build(), access);
    }

    @AfterAll
    static void stop() {
        server.close();
        tightServer.close();
    }

    /** As the standalone server mounts it: interleaved blocks into a {@code SignalWindowTask} on the default ingress. */
    static StreamingServer signalServer(ServerLimits limits, AccessPolicy access) {
        ScriptedModel emg = TestSupport.emgModel();
        Map<String, SessionFactory<float[], Classification>> backends = new LinkedHashMap<>();
        backends.put("scripted", SessionFactory.named("scripted", "test-emg", (req, l) -> StreamingInferenceSession
                .builder(emg, SignalWindowTask.builder(16, 200, 200).activation(Activation.SOFTMAX).build())
                .listener(l).build()));
        return StreamingServer.builder().host("127.0.0.1").port(0).limits(limits).access(access).ioThreads(1)
                .signal(SignalEndpoint.synthetic(backends, ClassificationEncoder.classification(1, 7))
                        .interleavedBlocks())
                .start();
    }

    @Test
    void everyWindowOfA100HzStreamArrivesInOrderAndTheCompletionCountsMatch() throws Exception {
        try (RawSse sse = RawSse.post(server.port(), KEY_FAST, "{\"duration_seconds\": 2.5, \"fps\": 100}", 0)) {
            assertThat(sse.status).isEqualTo(200);
            List<JsonNode> events = sse.readAll();
            JsonNode done = events.get(events.size() - 1);
            List<JsonNode> data = events.subList(0, events.size() - 1);
            assertThat(done.get("status").asText()).isEqualTo("completed");
            assertThat(data).hasSize(250);
            for (int i = 0; i < data.size(); i++) {
                JsonNode e = data.get(i);
                assertThat(e.has("error")).as("%s", e).isFalse();
                assertThat(e.get("frame").asLong()).as("event %d", i).isEqualTo(i + 1);
                assertThat(e.get("prediction").asInt()).isEqualTo(3);
                assertThat(e.get("latency_ms").asDouble()).isGreaterThanOrEqualTo(0);
            }
            assertThat(done.get("total_frames").asLong()).isEqualTo(250);
            assertThat(done.get("frames_generated").asLong()).isEqualTo(250);
            for (String zero : new String[]{"frames_superseded", "frames_refused", "frames_failed", "frames_buffered",
                    "events_not_sent"}) {
                assertThat(done.get(zero).asLong()).as(zero).isZero();
            }
            assertThat(sse.atEndOfStream()).as("the server closes the connection after the stream").isTrue();
        }
    }

    @Test
    void headersAndTheFirstEventComeBeforeTheSecondWindowIsDue() throws Exception {
        long t0 = System.nanoTime();
        try (RawSse sse = RawSse.post(server.port(), KEY_FAST, "{\"duration_seconds\": 2, \"fps\": 1}", 0)) {
            long headers = System.nanoTime() - t0;
            assertThat(sse.status).isEqualTo(200);
            assertThat(sse.headers.get("content-type")).startsWith("text/event-stream");
            assertThat(sse.headers.get("connection")).isEqualToIgnoringCase("close");
            JsonNode first = sse.next();
            long firstEvent = System.nanoTime() - t0;
            assertThat(first.get("frame").asLong()).isEqualTo(1);
            // at 1 fps the second window is due 1 s after the first: neither the headers nor the first window wait
            // for a tick
            assertThat(headers).isLessThan(1_000_000_000L);
            assertThat(firstEvent).isLessThan(1_000_000_000L);
            List<JsonNode> rest = sse.readAll();
            assertThat(rest).hasSize(2);
            assertThat(rest.get(0).get("frame").asLong()).isEqualTo(2);
            assertThat(rest.get(1).get("total_frames").asLong()).isEqualTo(2);
        }
    }

    @Test
    void aFinishedStreamFreesItsTierSlotBeforeTheClientSeesItsEnd() throws Exception {
        for (int round = 0; round < 3; round++) {
            try (RawSse sse = RawSse.post(server.port(), KEY_FREE, "{\"duration_seconds\": 0.2, \"fps\": 10}", 0)) {
                assertThat(sse.status).as("round %d", round).isEqualTo(200);
                JsonNode e;
                do {
                    e = sse.next();
                } while (e != null && !e.has("status"));
                assertThat(e).as("completion event").isNotNull();
                assertThat(e.get("total_frames").asLong()).isEqualTo(2);
                // the free tier holds one session: the next stream opens while this connection is still up
                try (RawSse next = RawSse.post(server.port(), KEY_FREE, "{\"duration_seconds\": 0, \"fps\": 10}", 0)) {
                    assertThat(next.status).as("round %d: %s", round, next.headers).isEqualTo(200);
                    next.readAll();
                }
            }
        }
    }

    @Test
    void aClientThatStopsReadingIsToldHowManyEventsItMissed() throws Exception {
        try (RawSse sse = RawSse.post(tightServer.port(), KEY_FAST, "{\"duration_seconds\": 3, \"fps\": 1000}", 2048)) {
            assertThat(sse.status).isEqualTo(200);
            // not reading for most of the stream: the socket buffers (the client's is 2 KiB) and the server's 2 KiB
            // watermark fill up long before 2 s of 1000 events per second have been generated
            Thread.sleep(2000);
            List<JsonNode> events = sse.readAll();
            JsonNode done = events.get(events.size() - 1);
            assertThat(done.get("status").asText()).isEqualTo("completed");
            long results = 0;
            long lastReported = 0;
            long previousFrame = 0;
            for (JsonNode e : events.subList(0, events.size() - 1)) {
                if (e.has("code")) {
                    assertThat(e.get("code").asText()).as("%s", e).isEqualTo("slow_reader");
                    assertThat(e.get("events_not_sent").asLong()).isGreaterThan(lastReported);
                    lastReported = e.get("events_not_sent").asLong();
                    continue;
                }
                assertThat(e.get("frame").asLong()).isGreaterThan(previousFrame);
                previousFrame = e.get("frame").asLong();
                results++;
            }
            long notSent = done.get("events_not_sent").asLong();
            assertThat(notSent).as("the completion event says how many events were missed: %s", done).isPositive();
            // slow_reader events, sent before the next event once the client reads again, never over-report
            assertThat(notSent).isGreaterThanOrEqualTo(lastReported);
            assertThat(done.get("total_frames").asLong()).isEqualTo(results);
            assertThat(done.get("frames_generated").asLong()).as("every window is accounted for: %s", done)
                    .isEqualTo(results + notSent + done.get("frames_refused").asLong()
                            + done.get("frames_superseded").asLong() + done.get("frames_failed").asLong()
                            + done.get("frames_buffered").asLong());
        }
    }

    /** A minimal HTTP/1.1 client for one SSE response: status, headers, then chunked {@code data:} events. */
    static final class RawSse implements AutoCloseable {
        final Socket socket;
        final InputStream in;
        final int status;
        final Map<String, String> headers = new LinkedHashMap<>();
        private final StringBuilder pending = new StringBuilder();
        private boolean ended;

        private RawSse(Socket socket, int status) throws IOException {
            this.socket = socket;
            this.in = socket.getInputStream();
            this.status = status;
        }

        static RawSse post(int port, String key, String body, int receiveBuffer) throws IOException {
            Socket s = new Socket();
            if (receiveBuffer > 0) {
                s.setReceiveBufferSize(receiveBuffer);
            }
            s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            s.setSoTimeout(20_000);
            byte[] b = body.getBytes(StandardCharsets.UTF_8);
            OutputStream out = s.getOutputStream();
            out.write(("POST /infer/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: " + key
                    + "\r\nContent-Type: application/json\r\nContent-Length: " + b.length + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.write(b);
            out.flush();
            InputStream in = s.getInputStream();
            String statusLine = line(in);
            RawSse r = new RawSse(s, Integer.parseInt(statusLine.split(" ")[1]));
            for (String h = line(in); !h.isEmpty(); h = line(in)) {
                int c = h.indexOf(':');
                r.headers.put(h.substring(0, c).trim().toLowerCase(Locale.ROOT), h.substring(c + 1).trim());
            }
            return r;
        }

        private static String line(InputStream in) throws IOException {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            for (int c = in.read(); c != '\n'; c = in.read()) {
                if (c < 0) {
                    throw new IOException("connection closed mid-line: " + b);
                }
                if (c != '\r') {
                    b.write(c);
                }
            }
            return b.toString(StandardCharsets.US_ASCII);
        }

        /** {@return the next event's JSON, or null after the last chunk} */
        JsonNode next() throws IOException {
            for (;;) {
                int end = pending.indexOf("\n\n");
                if (end >= 0) {
                    String event = pending.substring(0, end);
                    pending.delete(0, end + 2);
                    assertThat(event).as("one data line per event").startsWith("data: ").doesNotContain("\n");
                    return TestSupport.json(event.substring(6));
                }
                if (ended) {
                    assertThat(pending.toString()).as("nothing after the last event").isEmpty();
                    return null;
                }
                int size = Integer.parseInt(line(in).split(";")[0].trim(), 16);
                if (size == 0) {
                    line(in);
                    ended = true;
                    continue;
                }
                pending.append(new String(in.readNBytes(size), StandardCharsets.UTF_8));
                assertThat(line(in)).isEmpty();
            }
        }

        /** {@return every remaining event} */
        List<JsonNode> readAll() throws IOException {
            List<JsonNode> out = new ArrayList<>();
            for (JsonNode e = next(); e != null; e = next()) {
                out.add(e);
            }
            return out;
        }

        /** {@return true if the server closed the connection after the response} */
        boolean atEndOfStream() throws IOException {
            return in.read() < 0;
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
