package io.github.streaminfer.transport;

import io.github.streaminfer.session.ResultListener;
import io.github.streaminfer.session.StreamingInferenceSession;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Connection-level protocol rules: control frames are bounded like data, invalid close codes are protocol errors,
 * nothing is answered before the greeting, SSE responses say that the connection ends with them, and a finished
 * stream frees its tier slot before the client sees its end.
 */
class ConnectionProtocolTest {

    /** Opening a session takes 300 ms, so messages sent right after the handshake arrive while it opens. */
    private static final TestSupport.Wrap SLOW_OPEN = new TestSupport.Wrap() {
        @Override
        public <I, O> SessionFactory<I, O> wrap(SessionFactory<I, O> f) {
            return new SessionFactory<>() {
                @Override
                public StreamingInferenceSession<I, O> open(SessionRequest request, ResultListener<O> listener) {
                    try {
                        Thread.sleep(300);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return f.open(request, listener);
                }

                @Override
                public String modelName() {
                    return f.modelName();
                }
            };
        }
    };

    @Test
    void aClientThatSendsPingsAndNeverReadsIsClosedAndItsPongsDoNotQueue() throws Exception {
        ServerLimits limits = ServerLimits.DEFAULT.toBuilder().writeBufferWatermarks(8 << 10, 32 << 10)
                .socketSendBufferBytes(8 << 10).writeStallTimeout(Duration.ofSeconds(1))
                .maxControlFramesPerSecond(1_000_000).build(); // this test is about the write stall, not the rate
        try (StreamingServer s = TestSupport.fullServer(limits, AccessPolicy.OPEN).start();
             RawClient c = RawClient.connect(s, 4096)) {
            c.upgrade("/v1/stream", "");
            assertThat(c.readHead()).startsWith("HTTP/1.1 101");
            byte[] payload = new byte[125];
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            boolean closed = false;
            long pings = 0;
            while (!closed && System.nanoTime() < deadline) {
                try {
                    for (int i = 0; i < 500; i++) {
                        c.frame(9, payload);
                    }
                    c.out.flush();
                    pings += 500;
                } catch (IOException e) {
                    closed = true; // reset or broken pipe: the server closed the connection
                }
                Thread.sleep(5);
            }
            assertThat(closed).as("the server closed a connection that never reads (after " + pings + " pings)")
                    .isTrue();
            String metrics = TestSupport.get(s, "/metrics").body();
            assertThat(counter(metrics, "pings_unanswered_total")).isPositive();
            assertThat(counter(metrics, "connections_closed_write_stall_total")).isEqualTo(1);
        }
    }

    /** A server allowing 50 control frames per second. */
    private static StreamingServer pingLimitedServer() {
        return TestSupport.fullServer(ServerLimits.DEFAULT.toBuilder().maxControlFramesPerSecond(50).build(),
                AccessPolicy.OPEN).start();
    }

    /** {@return a connection upgraded to the VLA WebSocket} */
    private static RawClient vlaSocket(StreamingServer s) throws IOException {
        RawClient c = RawClient.connect(s);
        c.upgrade("/v1/stream", "");
        assertThat(c.readHead()).startsWith("HTTP/1.1 101");
        return c;
    }

    /** Checks that {@code f} (from {@link RawClient#readFrame}) is a close frame with this code and reason. */
    private static void assertClose(byte[] f, int code, String reason) {
        assertThat(f).as("a close frame").isNotNull();
        assertThat(f[0] & 0x0F).as("opcode").isEqualTo(8);
        assertThat(((f[1] & 0xFF) << 8) | (f[2] & 0xFF)).as("close code").isEqualTo(code);
        assertThat(new String(f, 3, f.length - 3, StandardCharsets.UTF_8)).as("reason").isEqualTo(reason);
    }

    @Test
    void aPingFloodIsClosedWith1008WellBeforeTheWriteStallTimeout() throws Exception {
        try (StreamingServer s = pingLimitedServer(); RawClient c = vlaSocket(s)) {
            // the burst allowance (twice the rate) is answered; the flood after it closes the connection
            for (int i = 0; i < 400; i++) {
                c.frame(9, new byte[]{(byte) i});
            }
            c.out.flush();
            int pongs = 0;
            byte[] f;
            while ((f = c.readFrame()) != null && (f[0] & 0x0F) == 10) {
                pongs++;
            }
            assertClose(f, CloseCodes.POLICY_VIOLATION, "more than 50 pings and pongs per second");
            // the burst, plus what the rate refills while the flood is read (a loaded machine reads it slower)
            assertThat(pongs).isBetween(100, 150);
            assertThat(counter(TestSupport.get(s, "/metrics").body(), "connections_closed_control_flood_total"))
                    .isEqualTo(1);
        }
    }

    @Test
    void pingsAtAClientsPaceAreAllAnswered() throws Exception {
        try (StreamingServer s = pingLimitedServer(); RawClient c = vlaSocket(s)) {
            // 150 pings at 100 per second, twice the rate: the burst (100) and 1.5 s of refill (75) cover them
            for (int i = 0; i < 150; i++) {
                c.frame(9, new byte[]{(byte) i});
                c.out.flush();
                Thread.sleep(10);
            }
            for (int i = 0; i < 150; i++) {
                byte[] f = c.readFrame();
                assertThat(f).as("pong %d", i).isNotNull();
                assertThat(f[0] & 0x0F).as("pong %d's opcode", i).isEqualTo(10);
                assertThat(f[f.length - 1]).isEqualTo((byte) i);
            }
        }
    }

    private static long counter(String metrics, String name) {
        Matcher m = Pattern.compile("streaminfer_" + name + " (\\d+)").matcher(metrics);
        return m.find() ? Long.parseLong(m.group(1)) : 0;
    }

    @Test
    void aTextMessageThatIsNotUtf8IsClosedWith1007EvenWhenTheBadByteComesInALaterFragment() throws Exception {
        try (StreamingServer s = TestSupport.fullServer(ServerLimits.DEFAULT, AccessPolicy.OPEN).start();
             RawClient c = vlaSocket(s)) {
            byte[] ascii = "{\"type\":\"auth\",\"x\":\"".getBytes(StandardCharsets.US_ASCII);
            c.fragment(1, false, ascii); // a text message's first fragment, valid
            c.fragment(0, true, new byte[]{'a', (byte) 0xED, (byte) 0xA0, (byte) 0x80, '"', '}'}); // a surrogate
            c.out.flush();
            assertClose(c.readFrame(), CloseCodes.INVALID_PAYLOAD, "text message is not valid UTF-8");
        }
    }

    @Test
    void closeCode999IsAProtocolErrorAnsweredWith1002() throws Exception {
        try (StreamingServer s = TestSupport.fullServer(ServerLimits.DEFAULT, AccessPolicy.OPEN).start();
             RawClient c = RawClient.connect(s)) {
            c.upgrade("/v1/stream", "");
            assertThat(c.readHead()).startsWith("HTTP/1.1 101");
            c.frame(8, new byte[]{(byte) (999 >> 8), (byte) (999 & 0xFF)});
            c.out.flush();
            byte[] f = c.readFrame();
            assertThat(f).as("a close frame").isNotNull();
            assertThat(f[0]).as("opcode").isEqualTo((byte) 8);
            int code = ((f[1] & 0xFF) << 8) | (f[2] & 0xFF);
            assertThat(code).isEqualTo(1002);
        }
    }

    @Test
    void detectionAnswersNothingBeforeItsConnectedMessage() throws Exception {
        try (StreamingServer s = TestSupport.fullServer(ServerLimits.DEFAULT, AccessPolicy.OPEN, SLOW_OPEN).start();
             RawClient c = RawClient.connect(s)) {
            c.upgrade("/stream/detection", "");
            assertThat(c.readHead()).startsWith("HTTP/1.1 101");
            c.text("{\"type\":\"ping\"}");
            c.text("{\"type\":\"stats\"}");
            assertThat(text(c.readFrame())).contains("\"type\":\"connected\"");
            assertThat(text(c.readFrame())).contains("\"type\":\"error\"").contains("before the 'connected' message");
            assertThat(text(c.readFrame())).contains("\"type\":\"error\"").contains("before the 'connected' message");
        }
    }

    @Test
    void openPiSendsItsMetadataBeforeAnsweringAnyMessage() throws Exception {
        try (StreamingServer s = TestSupport.fullServer(ServerLimits.DEFAULT, AccessPolicy.OPEN, SLOW_OPEN).start();
             RawClient c = RawClient.connect(s)) {
            c.upgrade("/", "");
            assertThat(c.readHead()).startsWith("HTTP/1.1 101");
            c.text("hello");
            byte[] first = c.readFrame();
            assertThat(first[0]).as("the metadata (binary) comes first").isEqualTo((byte) 2);
            assertThat(text(c.readFrame())).contains("before the metadata message");
        }
    }

    private static String text(byte[] frame) {
        assertThat(frame).isNotNull();
        assertThat(frame[0]).as("a text frame").isEqualTo((byte) 1);
        return new String(frame, 1, frame.length - 1, StandardCharsets.UTF_8);
    }

    @Test
    void detectionEventStreamsSayConnectionClose() throws Exception {
        try (StreamingServer s = TestSupport.fullServer(ServerLimits.DEFAULT, AccessPolicy.OPEN).start()) {
            String id = TestSupport.json(TestSupport.send(s, "POST", "/stream/sessions", "{}").body())
                    .get("session_id").asText();
            try (RawClient c = RawClient.connect(s)) {
                c.write("GET /stream/events/" + id + " HTTP/1.1\r\nHost: x\r\n\r\n");
                String head = c.readHead().toLowerCase();
                assertThat(head).startsWith("http/1.1 200").contains("content-type: text/event-stream")
                        .contains("connection: close");
            }
        }
    }

    @Test
    void aFinishedSignalStreamHasFreedItsTierSlotWhenTheClientSeesItsEnd() throws Exception {
        try (StreamingServer s = TestSupport.fullServer(ServerLimits.DEFAULT, TestSupport.keys()).start()) {
            for (int i = 0; i < 3; i++) {
                HttpResponse<String> r = TestSupport.send(s, "POST", "/infer/stream",
                        "{\"duration_seconds\": 0.1, \"fps\": 10}", "X-API-Key", TestSupport.KEY_FREE);
                assertThat(r.statusCode()).as("stream " + i + " of a one-session key: " + r.body()).isEqualTo(200);
                assertThat(r.body()).contains("\"status\":\"completed\"");
            }
        }
    }
}
