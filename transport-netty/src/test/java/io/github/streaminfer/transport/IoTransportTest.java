package io.github.streaminfer.transport;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.streaminfer.transport.TestSupport.Ws;
import org.junit.jupiter.api.Test;

import static io.github.streaminfer.transport.TestSupport.KEY_PRO;
import static io.github.streaminfer.transport.TestSupport.POSE;
import static io.github.streaminfer.transport.TestSupport.VEL;
import static io.github.streaminfer.transport.TestSupport.dataUrl;
import static io.github.streaminfer.transport.TestSupport.jpeg;
import static io.github.streaminfer.transport.TestSupport.vlaFrame;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The server runs on Linux's native epoll by default and on Java NIO when asked, with the same behaviour. */
class IoTransportTest {

    @Test
    void linuxX86ServersRunOnEpollByDefault() {
        assumeTrue(System.getProperty("os.name").toLowerCase().contains("linux")
                && System.getProperty("os.arch").matches("amd64|x86_64"), "epoll natives ship for linux-x86_64 only");
        try (StreamingServer s = TestSupport.fullServer(ServerLimits.DEFAULT, TestSupport.keys()).start()) {
            assertThat(s.ioTransport()).as("fallback cause: %s", s.ioTransportFallbackCause()).isEqualTo("epoll");
            assertThat(s.ioTransportFallbackCause()).isNull();
        }
    }

    @Test
    void nioServesTheSameProtocolWhenNativeTransportIsOff() throws Exception {
        try (StreamingServer s = TestSupport.fullServer(ServerLimits.DEFAULT, TestSupport.keys())
                .nativeTransport(false).start()) {
            assertThat(s.ioTransport()).isEqualTo("nio");
            assertThat(s.ioTransportFallbackCause()).isEqualTo("native transport disabled");
            assertFramesAnswered(s);
        }
    }

    @Test
    void epollServesTheProtocol() throws Exception {
        try (StreamingServer s = TestSupport.fullServer(ServerLimits.DEFAULT, TestSupport.keys()).start()) {
            assertFramesAnswered(s);
        }
    }

    private static void assertFramesAnswered(StreamingServer s) throws Exception {
        String image = dataUrl(jpeg(64, 48, 128));
        try (Ws c = Ws.vla(s)) {
            assertThat(c.auth(KEY_PRO, 10).get("type").asText()).isEqualTo("connected");
            for (int i = 1; i <= 3; i++) {
                c.send(vlaFrame(image, POSE, VEL));
                JsonNode a = c.nextJson();
                assertThat(a.get("type").asText()).isEqualTo("action");
                assertThat(a.get("frame_id").asLong()).isEqualTo(i);
            }
        }
    }
}
