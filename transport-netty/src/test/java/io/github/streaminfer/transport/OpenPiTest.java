package io.github.streaminfer.transport;

import io.github.streaminfer.transport.TestSupport.Ws;
import io.github.streaminfer.transport.internal.openpi.Msgpack;
import io.github.streaminfer.transport.openpi.NdArray;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;

import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import static io.github.streaminfer.transport.TestSupport.KEY_PRO;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The openpi policy-server protocol, spoken as openpi's client speaks it (msgpack, numpy convention). */
class OpenPiTest {
    static StreamingServer server;

    @BeforeAll
    static void start() {
        server = TestSupport.fullServer(ServerLimits.DEFAULT, TestSupport.keys()).start();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    /** Packs an observation exactly as openpi_client.msgpack_numpy does: byte-string keys inside arrays. */
    static byte[] observation(float[] state) throws Exception {
        MessageBufferPacker p = MessagePack.newDefaultBufferPacker();
        p.packMapHeader(2);
        p.packString("observation/state");
        p.packMapHeader(4);
        bin(p, "__ndarray__");
        p.packBoolean(true);
        bin(p, "data");
        ByteBuffer b = ByteBuffer.allocate(state.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(state);
        p.packBinaryHeader(b.capacity());
        p.writePayload(b.array());
        bin(p, "dtype");
        p.packString("<f4");
        bin(p, "shape");
        p.packArrayHeader(1);
        p.packLong(state.length);
        p.packString("prompt");
        p.packString("fold the towel");
        return p.toByteArray();
    }

    private static void bin(MessageBufferPacker p, String s) throws Exception {
        byte[] b = s.getBytes(StandardCharsets.US_ASCII);
        p.packBinaryHeader(b.length);
        p.writePayload(b);
    }

    @Test
    void metadataThenOneActionMapPerObservation() throws Exception {
        try (Ws c = Ws.connect("ws://127.0.0.1:" + server.port() + "/", "Authorization", "Api-Key " + KEY_PRO)) {
            Map<String, Object> meta = Msgpack.decodeObservation(c.next().binary());
            assertThat(meta).containsEntry("action_horizon", 4L).containsEntry("action_dim", 7L);
            float[] state = {1, 2, 3, 4, 5, 6, 7, 8};
            for (int i = 0; i < 3; i++) {
                c.send(observation(state));
                Map<String, Object> reply = Msgpack.decodeObservation(c.next().binary());
                NdArray actions = (NdArray) reply.get("actions");
                assertThat(actions.dtype()).isEqualTo("<f4");
                assertThat(actions.shape()).containsExactly(4, 7);
                float[] a = actions.toFloats();
                assertThat(a[0]).isEqualTo(1f);
                assertThat(a[7 + 6]).isEqualTo(7f + 1);
                assertThat(((Number) reply.get("server_timing/infer_ms")).doubleValue()).isGreaterThan(0);
                if (i > 0) {
                    assertThat(reply).containsKey("server_timing/prev_total_ms");
                }
            }
            c.ws.sendPing(java.nio.ByteBuffer.wrap("keepalive".getBytes(StandardCharsets.UTF_8))).join();
            assertThat(c.next().text()).isEqualTo("pong:keepalive");
            c.send(observation(new float[]{Float.NaN, 0, 0, 0, 0, 0, 0, 0}));
            assertThat(c.next().text()).contains("only finite values");
            c.send(observation(new float[9]));
            assertThat(c.next().text()).contains("takes at most 8");
        }
    }

    @Test
    void healthzAndApiKeyHeader() throws Exception {
        HttpResponse<String> h = TestSupport.get(server, "/healthz");
        assertThat(h.statusCode()).isEqualTo(200);
        assertThat(h.body()).isEqualTo("OK\n");
        Throwable refused = null;
        try (Ws c = Ws.connect("ws://127.0.0.1:" + server.port() + "/", "Authorization", "Api-Key wrong_0123456789")) {
            c.next();
        } catch (Exception e) {
            refused = e;
        }
        assertThat(refused).isNotNull();
        assertThat(refused.getCause()).isInstanceOf(java.net.http.WebSocketHandshakeException.class);
        assertThat(((java.net.http.WebSocketHandshakeException) refused.getCause()).getResponse().statusCode())
                .isEqualTo(401);
    }

    @Test
    void ndarrayRoundTripsThroughOurCodec() throws Exception {
        NdArray a = NdArray.ofFloats(new float[]{1.5f, -2f, 3f, 4f, 5f, 6f}, 2, 3);
        Map<String, Object> back = Msgpack.decodeObservation(Msgpack.encode(Map.of("x", a)));
        NdArray b = (NdArray) back.get("x");
        assertThat(b.shape()).containsExactly(2, 3);
        assertThat(b.toFloats()).containsExactly(1.5f, -2f, 3f, 4f, 5f, 6f);
        assertThat(new NdArray("<f2", new long[]{1}, ByteBuffer.wrap(new byte[]{0, 0x3C})).getFloat(0))
                .isCloseTo(1f, within(0f));
        assertThat(new NdArray("|u1", new long[]{2}, ByteBuffer.wrap(new byte[]{(byte) 255, 1})).toFloats())
                .containsExactly(255f, 1f);
    }
}
