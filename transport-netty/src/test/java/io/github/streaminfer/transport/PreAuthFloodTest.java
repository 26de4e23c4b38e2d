package io.github.streaminfer.transport;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Before a VLA client has authenticated, a frame header that announces more than an auth message may hold closes the
 * connection (1009) without the payload being read; and a flood of connections that never send a request cannot
 * lock a new client out while every slot is taken: the oldest silent one makes room.
 */
class PreAuthFloodTest {

    /** Writes a masked frame header announcing {@code length} payload bytes, then {@code sent} bytes of it. */
    private static void announce(RawClient c, int opcode, boolean fin, long length, int sent) throws Exception {
        ByteArrayOutputStream f = new ByteArrayOutputStream();
        f.write((fin ? 0x80 : 0) | opcode);
        if (length < 126) {
            f.write(0x80 | (int) length);
        } else if (length < 65536) {
            f.write(0x80 | 126);
            f.write((int) (length >>> 8));
            f.write((int) length);
        } else {
            f.write(0x80 | 127);
            for (int i = 7; i >= 0; i--) {
                f.write((int) (length >>> (8 * i)));
            }
        }
        f.write(new byte[4]); // zero mask: the payload goes as it is
        f.write(new byte[sent]);
        c.out.write(f.toByteArray());
        c.out.flush();
    }

    private static RawClient upgraded(StreamingServer s) throws Exception {
        RawClient c = RawClient.connect(s);
        c.upgrade("/v1/stream", "");
        assertThat(c.readHead()).startsWith("HTTP/1.1 101");
        return c;
    }

    private static int closeCode(RawClient c) throws Exception {
        for (byte[] f; (f = c.readFrame()) != null; ) {
            if (f[0] == 8) {
                return ((f[1] & 0xff) << 8) | (f[2] & 0xff);
            }
        }
        return -1;
    }

    @Test
    void aHugeMessageBeforeAuthIsRefusedFromItsHeaderWithoutWaitingForItsPayload() throws Exception {
        try (StreamingServer s = TestSupport.fullServer(ServerLimits.DEFAULT, TestSupport.keys()).start();
             RawClient c = upgraded(s)) {
            announce(c, 1, true, 12L << 20, 1024); // 12 MiB announced, 1 KiB sent, the rest never
            byte[] first = c.readFrame();
            assertThat(first[0]).as("an error message first").isEqualTo((byte) 1);
            assertThat(new String(first, 1, first.length - 1, StandardCharsets.UTF_8)).contains("auth_too_large");
            assertThat(closeCode(c)).isEqualTo(CloseCodes.MESSAGE_TOO_BIG);
        }
    }

    @Test
    void fragmentsThatAddUpToMoreThanAnAuthAreRefusedToo() throws Exception {
        try (StreamingServer s = TestSupport.fullServer(ServerLimits.DEFAULT, TestSupport.keys()).start();
             RawClient c = upgraded(s)) {
            int limit = MessageLimits.DEFAULT.maxAuthMessageBytes();
            announce(c, 1, false, limit / 2, limit / 2);
            announce(c, 0, false, limit / 2, limit / 2);
            announce(c, 0, true, limit, 16); // the third fragment passes the limit; its payload is never sent
            assertThat(closeCode(c)).isEqualTo(CloseCodes.MESSAGE_TOO_BIG);
        }
    }

    @Test
    void afterAuthLargeFramesAreReadAsUsual() throws Exception {
        try (StreamingServer s = TestSupport.fullServer(ServerLimits.DEFAULT, TestSupport.keys()).start();
             TestSupport.Ws c = TestSupport.Ws.vla(s)) {
            assertThat(c.auth(TestSupport.KEY_PRO, 10).get("type").asText()).isEqualTo("connected");
            String big = TestSupport.dataUrl(TestSupport.jpeg(640, 480, 77));
            assertThat(big.length()).isGreaterThan(MessageLimits.DEFAULT.maxAuthMessageBytes());
            c.send(TestSupport.vlaFrame(big, TestSupport.POSE, TestSupport.VEL));
            assertThat(c.nextJson().get("type").asText()).isEqualTo("action");
        }
    }

    @Test
    void whenEverySlotIsTakenTheOldestSilentConnectionMakesRoom() throws Exception {
        ServerLimits limits = ServerLimits.DEFAULT.toBuilder().maxConnections(4).build();
        List<RawClient> silent = new ArrayList<>();
        try (StreamingServer s = TestSupport.fullServer(limits, TestSupport.keys()).start()) {
            for (int i = 0; i < 4; i++) {
                silent.add(RawClient.connect(s));
                Thread.sleep(50); // in order: the first is the oldest
            }
            try (RawClient probe = RawClient.connect(s)) {
                probe.write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
                assertThat(probe.readResponse()).startsWith("HTTP/1.1 200");
            }
            assertThat(silent.get(0).closedByServer()).as("the oldest silent connection was closed").isTrue();
        } finally {
            silent.forEach(RawClient::close);
        }
    }
}
