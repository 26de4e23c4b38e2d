package io.github.streaminfer.transport;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Nothing large is held for a client before its key is checked, no request may take longer than its deadline, the
 * request bytes all connections hold are bounded, one address cannot take every connection, and HTTP/1.1 responses
 * leave in request order.
 */
class PreAuthLimitsTest {

    private static String post(String path, String key, long contentLength) {
        return "POST " + path + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                + (key == null ? "" : "X-API-Key: " + key + "\r\n") + "Content-Length: " + contentLength + "\r\n\r\n";
    }

    @Test
    void aBodyWithoutAValidKeyIsRefusedBeforeItIsRead() throws Exception {
        try (StreamingServer s = TestSupport.fullServer(ServerLimits.DEFAULT, TestSupport.keys()).start();
             RawClient c = RawClient.connect(s)) {
            c.write(post("/infer/stream", null, 16 << 20)); // announces 16 MiB, sends none of it
            String head = c.readHead();
            assertThat(head).startsWith("HTTP/1.1 401");
            assertThat(c.closedByServer()).as("connection closed, body never read").isTrue();
        }
        try (StreamingServer s = TestSupport.fullServer(ServerLimits.DEFAULT, TestSupport.keys()).start();
             RawClient c = RawClient.connect(s)) {
            c.write(post("/stream/sessions", "not_a_key_0123456789", 16 << 20));
            assertThat(c.readHead()).startsWith("HTTP/1.1 401");
        }
    }

    @Test
    void aBodyDrippedSlowerThanTheRequestTimeoutGets408AlthoughNeverIdle() throws Exception {
        ServerLimits limits = ServerLimits.DEFAULT.toBuilder().requestTimeout(Duration.ofSeconds(1)).build();
        try (StreamingServer s = TestSupport.fullServer(limits, AccessPolicy.OPEN).start();
             RawClient c = RawClient.connect(s)) {
            c.write(post("/infer", null, 64));
            long t0 = System.nanoTime();
            Thread drip = new Thread(() -> {
                try {
                    for (int i = 0; i < 60; i++) {
                        Thread.sleep(200); // well inside the 60 s idle timeout
                        c.write(" ");
                    }
                } catch (Exception ignored) {
                    // closed by the server
                }
            });
            drip.start();
            String head = c.readHead();
            drip.interrupt();
            assertThat(head).startsWith("HTTP/1.1 408");
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
        }
    }

    @Test
    void aSocketThatSendsNothingIsClosedAfterTheRequestTimeoutNotTheIdleTimeout() throws Exception {
        ServerLimits limits = ServerLimits.DEFAULT.toBuilder().requestTimeout(Duration.ofSeconds(1)).build();
        try (StreamingServer s = TestSupport.fullServer(limits, AccessPolicy.OPEN).start();
             RawClient c = RawClient.connect(s)) {
            long t0 = System.nanoTime();
            assertThat(c.readResponse()).startsWith("HTTP/1.1 408");
            assertThat(c.closedByServer()).isTrue();
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
        }
    }

    @Test
    void requestBodiesBeyondTheGlobalBudgetAre503AndTheBudgetComesBackAfterTheAttack() throws Exception {
        ServerLimits limits = ServerLimits.DEFAULT.toBuilder().maxHttpBodyBytes(1 << 20)
                .maxBufferedRequestBytes(2 << 20).build();
        try (StreamingServer s = TestSupport.fullServer(limits, AccessPolicy.OPEN).start()) {
            List<RawClient> attackers = new ArrayList<>();
            try {
                for (int i = 0; i < 2; i++) {
                    RawClient a = RawClient.connect(s);
                    attackers.add(a);
                    a.write(post("/infer", null, 1 << 20) + "{");
                }
                awaitBuffered(s, 2L << 20);
                RawClient third = RawClient.connect(s);
                attackers.add(third);
                third.write(post("/infer", null, 1 << 20));
                assertThat(third.readResponse()).startsWith("HTTP/1.1 503").contains("too many request bytes");
            } finally {
                attackers.forEach(RawClient::close);
            }
            awaitBuffered(s, 0);
            String honest = "{\"steps\": 1}" + " ".repeat((1 << 20) - 13);
            try (RawClient c = RawClient.connect(s)) {
                c.write(post("/infer", null, honest.length()) + honest);
                assertThat(c.readResponse()).startsWith("HTTP/1.1 200");
            }
        }
    }

    private static void awaitBuffered(StreamingServer s, long expected) throws Exception {
        long v = -1;
        for (int i = 0; i < 100 && v != expected; i++) {
            Matcher m = Pattern.compile("streaminfer_request_bytes_buffered (\\d+)")
                    .matcher(TestSupport.get(s, "/metrics").body());
            v = m.find() ? Long.parseLong(m.group(1)) : -1;
            if (v != expected) {
                Thread.sleep(50);
            }
        }
        assertThat(v).as("request bytes buffered").isEqualTo(expected);
    }

    @Test
    void oneAddressCannotTakeMoreThanItsShareOfConnections() throws Exception {
        ServerLimits limits = ServerLimits.DEFAULT.toBuilder().maxConnectionsPerAddress(3).build();
        try (StreamingServer s = TestSupport.fullServer(limits, AccessPolicy.OPEN).start()) {
            // the server's own warm-up request comes from this address too
            assertThat(s.awaitWarmUp(Duration.ofSeconds(30))).isTrue();
            for (int i = 0; i < 250 && s.openConnections() > 0; i++) {
                Thread.sleep(20);
            }
            String healthz = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
            List<RawClient> held = new ArrayList<>();
            try {
                for (int i = 0; i < 3; i++) {
                    RawClient c = RawClient.connect(s);
                    held.add(c);
                    c.write(healthz);
                    assertThat(c.readResponse()).as("connection " + i + " is admitted and kept").endsWith("OK\n");
                }
                try (RawClient fourth = RawClient.connect(s)) {
                    fourth.write(healthz);
                    assertThat(fourth.readResponse()).startsWith("HTTP/1.1 503")
                            .contains("too many connections from your address (limit 3)");
                }
            } finally {
                held.forEach(RawClient::close);
            }
            for (int i = 0; i < 50 && s.openConnections() > 0; i++) {
                Thread.sleep(20);
            }
            assertThat(TestSupport.get(s, "/healthz").statusCode()).as("the address's share comes back").isEqualTo(200);
        }
    }

    @Test
    void newLimitsAreValidatedWithTheirNameAndWhatIsAllowed() {
        assertThatThrownBy(() -> ServerLimits.DEFAULT.toBuilder().maxConnectionsPerAddress(0).build())
                .hasMessage("maxConnectionsPerAddress is 0; allowed: >= 1");
        assertThatThrownBy(() -> ServerLimits.DEFAULT.toBuilder().requestTimeout(Duration.ZERO).build())
                .hasMessage("requestTimeout is PT0S; allowed: > 0");
        assertThatThrownBy(() -> ServerLimits.DEFAULT.toBuilder().maxBufferedRequestBytes(1).build())
                .hasMessage("maxBufferedRequestBytes is 1; allowed: >= maxHttpBodyBytes (16777216)");
        assertThatThrownBy(() -> ServerLimits.DEFAULT.toBuilder().writeStallTimeout(Duration.ofSeconds(-1)).build())
                .hasMessage("writeStallTimeout is PT-1S; allowed: > 0");
    }

    @Test
    void pipelinedRequestsAreAnsweredInRequestOrder() throws Exception {
        try (StreamingServer s = TestSupport.fullServer(ServerLimits.DEFAULT, AccessPolicy.OPEN).start();
             RawClient c = RawClient.connect(s)) {
            String body = "{\"steps\": 20}";
            c.write(post("/infer", null, body.length()) + body + "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
            String first = c.readResponse();
            String second = c.readResponse();
            assertThat(first).as("the POST /infer answer comes first").startsWith("HTTP/1.1 200")
                    .doesNotEndWith("OK\n");
            assertThat(second).as("then /healthz").startsWith("HTTP/1.1 200").endsWith("OK\n");
        }
    }
}
