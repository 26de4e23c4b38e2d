package io.github.streaminfer.transport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.streaminfer.transport.TestSupport.Ws;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.github.streaminfer.transport.TestSupport.IMAGE_SMALL;
import static io.github.streaminfer.transport.TestSupport.KEY_PRO;
import static io.github.streaminfer.transport.TestSupport.POSE;
import static io.github.streaminfer.transport.TestSupport.VEL;
import static io.github.streaminfer.transport.TestSupport.dataUrl;
import static io.github.streaminfer.transport.TestSupport.jpeg;
import static io.github.streaminfer.transport.TestSupport.vlaFrame;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * VLA text messages from {@link MessageLimits#parseOffLoopBytes()} up are read on the parse threads: they are answered
 * as the event loop would answer them, and a connection's messages keep their order around them.
 */
class VlaLargeMessageTest {
    static StreamingServer server;
    /** Above the 2 KiB threshold set below; {@code IMAGE_SMALL} frames stay under it. */
    static final String IMAGE_LARGE = dataUrl(jpeg(320, 240, 128));

    @BeforeAll
    static void start() {
        server = TestSupport.fullServer(ServerLimits.DEFAULT, TestSupport.keys())
                .messageLimits(MessageLimits.DEFAULT.toBuilder().parseOffLoopBytes(2048).build()).start();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static String frame(String image, String id) {
        ObjectNode f = (ObjectNode) TestSupport.json(vlaFrame(image, POSE, VEL));
        f.put("frame_id", id);
        return f.toString();
    }

    private static long offLoopCount() throws Exception {
        Matcher m = Pattern.compile("streaminfer_messages_parsed_off_loop_total\\{endpoint=\"vla\"} (\\d+)")
                .matcher(TestSupport.get(server, "/metrics").body());
        return m.find() ? Long.parseLong(m.group(1)) : 0;
    }

    @Test
    void largeAndSmallFramesSentBackToBackAreAnsweredInTheOrderTheyWereSent() throws Exception {
        assertThat(frame(IMAGE_LARGE, "large-00").length()).isGreaterThan(2048);
        assertThat(frame(IMAGE_SMALL, "small-00").length()).isLessThan(2048);
        long before = offLoopCount();
        try (Ws c = Ws.vla(server)) {
            c.auth(KEY_PRO, 10);
            List<String> sent = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                String id = (i % 3 == 0 ? "small-" : "large-") + i;
                c.send(frame(i % 3 == 0 ? IMAGE_SMALL : IMAGE_LARGE, id));
                sent.add(id);
            }
            c.send("{\"type\":\"stats\"}");
            List<String> answered = new ArrayList<>();
            List<String> rateLimited = new ArrayList<>(); // the tier's frame rate, answered by the event loop at once
            JsonNode stats = null;
            while (answered.size() + rateLimited.size() < sent.size() || stats == null) {
                JsonNode m = c.nextJson();
                String type = m.get("type").asText();
                if (type.equals("action")) {
                    answered.add(m.get("frame_id").asText());
                } else if (type.equals("stats")) {
                    stats = m;
                } else if (type.equals("error") && m.get("code").asText().equals("rate_limited")) {
                    rateLimited.add(m.get("frame_id").asText());
                } else {
                    throw new AssertionError("unexpected " + m);
                }
            }
            List<String> ran = new ArrayList<>(sent);
            ran.removeAll(rateLimited);
            assertThat(answered).as("the session ran the frames in the order they were sent").isEqualTo(ran)
                    .hasSizeGreaterThanOrEqualTo(6);
            assertThat(stats.get("total_frames").asLong()).as("stats came after every frame was read").isEqualTo(12);
        }
        assertThat(offLoopCount() - before).as("the large frames went to the parse threads").isEqualTo(8);
    }

    @Test
    void aLargeMessageOnTheTreePathOrBrokenIsAnsweredAsOnTheEventLoop() throws Exception {
        try (Ws c = Ws.vla(server)) {
            c.auth(KEY_PRO, 10);
            // escaped slashes: the same frame, read as a tree (the scanner takes no escapes)
            c.send(frame(IMAGE_LARGE, "escaped").replace("/", "\\/"));
            JsonNode a = c.nextJson();
            assertThat(a.get("type").asText()).isEqualTo("action");
            assertThat(a.get("frame_id").asText()).isEqualTo("escaped");

            c.send("{\"type\":\"frame\",\"image\":\"" + "A".repeat(3000) + "!\",\"frame_id\":\"bad-image\"}");
            JsonNode e = c.nextJson();
            assertThat(e.get("type").asText()).isEqualTo("error");
            assertThat(e.get("code").asText()).isEqualTo("invalid_base64");
            assertThat(e.get("frame_id").asText()).isEqualTo("bad-image");

            c.send("{\"type\":\"frame\",\"image\":\"" + "A".repeat(3000));
            JsonNode j = c.nextJson();
            assertThat(j.get("type").asText()).isEqualTo("error");
            assertThat(j.get("code").asText()).isEqualTo("invalid_json");

            c.send(frame(IMAGE_LARGE, "after"));
            JsonNode after = c.nextJson();
            assertThat(after.get("type").asText()).isEqualTo("action");
            assertThat(after.get("frame_id").asText()).isEqualTo("after");
        }
    }
}
