package io.github.streaminfer.transport;

import io.github.streaminfer.image.ImageSpec;
import io.github.streaminfer.session.IngressPolicy;
import io.github.streaminfer.session.StreamingInferenceSession;
import io.github.streaminfer.task.ActionChunk;
import io.github.streaminfer.task.PolicyTask;
import io.github.streaminfer.tensor.DType;
import io.github.streaminfer.testkit.ScriptedModel;
import io.github.streaminfer.transport.TestSupport.Msg;
import io.github.streaminfer.transport.TestSupport.Ws;
import io.github.streaminfer.transport.internal.openpi.Msgpack;
import io.github.streaminfer.transport.openpi.NdArray;
import io.github.streaminfer.transport.openpi.OpenPiEndpoint;
import io.github.streaminfer.transport.openpi.OpenPiLimits;
import io.github.streaminfer.transport.openpi.OpenPiObservation;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import static io.github.streaminfer.transport.OpenPiSafetyTest.bin;
import static io.github.streaminfer.transport.OpenPiSafetyTest.ndarray;
import static io.github.streaminfer.transport.TestSupport.KEY_PRO;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The openpi endpoint on an image policy, driven with real msgpack-numpy observations as openpi's
 * {@code WebsocketClientPolicy} sends them: a {@code uint8 [96, 96, 3]} camera array, a state array and a prompt.
 */
class OpenPiRawPixelTest {
    static final int SIZE = 96;
    private StreamingServer server;

    /**
     * image [1,3,96,96] + state [1,8] -> actions [1,2,8]: step 0 is the state, step 1 holds the normalised mean of
     * each image channel (value 0..2) and the value of pixel (0, 0) of channel 0.
     */
    static ScriptedModel imagePolicy() {
        return ScriptedModel.builder().name("test-openpi-image").input("image", DType.FLOAT32, 1, 3, SIZE, SIZE)
                .input("state", DType.FLOAT32, 1, 8).output("actions", DType.FLOAT32, 1, 2, 8)
                .script((in, out) -> {
                    for (int d = 0; d < 8; d++) {
                        out[0].putFloat(d, in[1].getFloat(d));
                    }
                    int plane = SIZE * SIZE;
                    for (int c = 0; c < 3; c++) {
                        double sum = 0;
                        for (int i = 0; i < plane; i++) {
                            sum += in[0].getFloat((long) c * plane + i);
                        }
                        out[0].putFloat(8 + c, (float) (sum / plane));
                    }
                    out[0].putFloat(8 + 3, in[0].getFloat(0));
                }).build();
    }

    void start(OpenPiLimits limits, CountDownLatch opening) {
        server = imagePolicyServer(limits, opening);
    }

    /**
     * {@return a started server with the image policy on {@code /}, for the test keys}; its sessions open only once
     * {@code opening} is counted down.
     */
    static StreamingServer imagePolicyServer(OpenPiLimits limits, CountDownLatch opening) {
        return imagePolicyServer(limits, opening, s -> { });
    }

    static StreamingServer imagePolicyServer(OpenPiLimits limits, CountDownLatch opening,
                                             Consumer<StreamingInferenceSession<?, ?>> opened) {
        ScriptedModel model = imagePolicy();
        SessionFactory<OpenPiObservation, ActionChunk> f = SessionFactory.named("scripted", model.modelName(),
                (req, l) -> {
                    try {
                        opening.await(10, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    PolicyTask task = PolicyTask.builder().image("image", ImageSpec.builder(SIZE, SIZE).build())
                            .state("state").build();
                    StreamingInferenceSession<OpenPiObservation, ActionChunk> s = StreamingInferenceSession
                            .builder(model, PolicyAdapters.openPi(task, List.of("observation/image"),
                                    "observation/state", "prompt"))
                            .config(TestSupport.config(req, IngressPolicy.rejectNewest(2))).listener(l).build();
                    opened.accept(s);
                    return s;
                });
        Map<String, Object> meta = Map.of("action_horizon", 2, "action_dim", 8,
                "observation", Map.of("observation/image", Map.of("dtype", "|u1", "shape", List.of(SIZE, SIZE, 3)),
                        "observation/state", Map.of("dtype", "<f4", "shape", List.of(8)),
                        "prompt", Map.of("dtype", "str")));
        return StreamingServer.builder().host("127.0.0.1").port(0).access(TestSupport.keys()).blockingThreads(2)
                .ioThreads(1).openPi(new OpenPiEndpoint<>("/", f, ActionEncoder.actionChunk(), meta)
                        .withLimits(limits)).start();
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    Ws connect() throws Exception {
        return Ws.connect("ws://127.0.0.1:" + server.port() + "/", "Authorization", "Api-Key " + KEY_PRO);
    }

    /** An observation as openpi's msgpack_numpy packs it: nested str keys, ndarrays with byte-string keys. */
    static byte[] observation(byte[] hwc, int h, int w, float[] state, String prompt) throws Exception {
        MessageBufferPacker p = MessagePack.newDefaultBufferPacker();
        p.packMapHeader(3);
        p.packString("observation/image");
        ndarray(p, "|u1", hwc, h, w, 3);
        p.packString("observation/state");
        ByteBuffer b = ByteBuffer.allocate(state.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(state);
        ndarray(p, "<f4", b.array(), state.length);
        p.packString("prompt");
        p.packString(prompt);
        return p.toByteArray();
    }

    static byte[] image(int h, int w) {
        byte[] px = new byte[h * w * 3];
        for (int i = 0; i < px.length; i++) {
            px[i] = (byte) (i % 3 == 0 ? 200 : i % 3 == 1 ? 100 : 50);
        }
        px[0] = (byte) 255;
        return px;
    }

    @Test
    void rawCameraArraysReachTheModelNormalisedAndTheReplyCarriesActionsAndTimings() throws Exception {
        start(OpenPiLimits.DEFAULT, new CountDownLatch(0));
        try (Ws c = connect()) {
            Map<String, Object> meta = Msgpack.decodeObservation(c.next().binary());
            assertThat(meta).containsEntry("action_horizon", 2L).containsEntry("observation/observation/image/dtype",
                    "|u1");
            float[] state = {1, 2, 3, 4, 5, 6, 7, 8};
            for (int i = 0; i < 3; i++) {
                c.send(observation(image(SIZE, SIZE), SIZE, SIZE, state, "pick up the cube"));
                Msg m = c.next();
                assertThat(m.text()).as("reply %d", i).isNull();
                Map<String, Object> reply = Msgpack.decodeObservation(m.binary());
                NdArray actions = (NdArray) reply.get("actions");
                assertThat(actions.dtype()).isEqualTo("<f4");
                assertThat(actions.shape()).containsExactly(2, 8);
                float[] a = actions.toFloats();
                assertThat(a).startsWith(state);
                int plane = SIZE * SIZE;
                assertThat(a[8]).isCloseTo((200f * (plane - 1) + 255f) / plane / 255f, within(1e-4f));
                assertThat(a[9]).isCloseTo(100f / 255f, within(1e-5f));
                assertThat(a[10]).isCloseTo(50f / 255f, within(1e-5f));
                assertThat(a[11]).isEqualTo(1f);
                double infer = ((Number) reply.get("server_timing/infer_ms")).doubleValue();
                double policy = ((Number) reply.get("policy_timing/infer_ms")).doubleValue();
                assertThat(infer).isGreaterThan(0).isLessThan(10_000);
                assertThat(policy).isGreaterThan(0).isLessThanOrEqualTo(infer);
                assertThat(reply.containsKey("server_timing/prev_total_ms")).isEqualTo(i > 0);
            }
            // an image that needs a resize goes through the decoder and gives the same means
            c.send(observation(image(120, 160), 120, 160, state, "pick up the cube"));
            float[] a = ((NdArray) Msgpack.decodeObservation(c.next().binary()).get("actions")).toFloats();
            assertThat(a[9]).isCloseTo(100f / 255f, within(1e-3f));
        }
    }

    @Test
    void theMetadataComesFirstAndAnEarlyObservationIsAnsweredAfterIt() throws Exception {
        CountDownLatch opening = new CountDownLatch(1);
        start(OpenPiLimits.DEFAULT, opening);
        try (Ws c = connect()) {
            c.send(observation(image(SIZE, SIZE), SIZE, SIZE, new float[8], "go"));
            assertThat(c.inbox.poll(300, TimeUnit.MILLISECONDS)).as("nothing before the metadata").isNull();
            opening.countDown();
            Msg first = c.next();
            assertThat(first.binary()).as("metadata first").isNotNull();
            assertThat(Msgpack.decodeObservation(first.binary())).containsEntry("action_dim", 8L);
            assertThat(c.next().text()).contains("before the metadata");
            c.send(observation(image(SIZE, SIZE), SIZE, SIZE, new float[8], "go"));
            assertThat(Msgpack.decodeObservation(c.next().binary())).containsKey("actions");
            assertThat(c.inbox.poll(200, TimeUnit.MILLISECONDS)).as("exactly one reply each").isNull();
        }
    }

    @Test
    void aSessionThatFinishesOpeningAfterTheClientLeftIsClosed() throws Exception {
        CountDownLatch opening = new CountDownLatch(1);
        List<StreamingInferenceSession<?, ?>> sessions = new CopyOnWriteArrayList<>();
        server = imagePolicyServer(OpenPiLimits.DEFAULT, opening, sessions::add);
        Ws c = connect();
        c.ws.abort(); // the client leaves while its session is still opening
        Thread.sleep(300); // the server sees the connection go before the session exists
        opening.countDown();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while ((sessions.isEmpty() || !sessions.get(0).isClosed()) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(sessions).hasSize(1);
        assertThat(sessions.get(0).isClosed()).as("the late session is closed, not leaked").isTrue();
    }

    @Test
    void overBudgetAndOverflowingArraysAreRefusedWithAClearErrorAndTheConnectionStays() throws Exception {
        start(OpenPiLimits.builder().maxImagePixels(SIZE * SIZE).build(), new CountDownLatch(0));
        try (Ws c = connect()) {
            c.next();
            c.send(observation(image(SIZE + 1, SIZE), SIZE + 1, SIZE, new float[8], "go"));
            assertThat(c.next().text()).isEqualTo("image 'observation/image' (|u1 [97, 96, 3]) has 9312 pixels; "
                    + "allowed: at most 9216 (OpenPiLimits.maxImagePixels)");
            MessageBufferPacker p = MessagePack.newDefaultBufferPacker();
            p.packMapHeader(1);
            p.packString("observation/state");
            ndarray(p, "<f8", new byte[0], 1L << 30, 1L << 30, 2);
            c.send(p.toByteArray());
            assertThat(c.next().text()).contains("[1073741824, 1073741824, 2]").contains("larger than");
            MessageBufferPacker k = MessagePack.newDefaultBufferPacker();
            k.packMapHeader(1);
            bin(k, "observation/image\nWARN forged");
            k.packInt(1);
            c.send(k.toByteArray());
            assertThat(c.next().text()).contains("keys present: ['observation/image\\nWARN forged']")
                    .doesNotContain("\n");
            c.send(observation(image(SIZE, SIZE), SIZE, SIZE, new float[8], "go"));
            assertThat(Msgpack.decodeObservation(c.next().binary())).containsKey("actions");
        }
    }
}
