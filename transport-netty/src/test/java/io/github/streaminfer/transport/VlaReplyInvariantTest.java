package io.github.streaminfer.transport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.streaminfer.backend.ModelSignature;
import io.github.streaminfer.session.IngressPolicy;
import io.github.streaminfer.session.StreamingInferenceSession;
import io.github.streaminfer.task.FloatVector;
import io.github.streaminfer.task.InferenceTask;
import io.github.streaminfer.tensor.DType;
import io.github.streaminfer.tensor.Tensor;
import io.github.streaminfer.testkit.ScriptedModel;
import io.github.streaminfer.transport.TestSupport.Msg;
import io.github.streaminfer.transport.TestSupport.Ws;
import io.github.streaminfer.transport.vla.VlaEndpoint;
import io.github.streaminfer.transport.vla.VlaFrame;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static io.github.streaminfer.transport.TestSupport.IMAGE_SMALL;
import static io.github.streaminfer.transport.TestSupport.KEY_PRO;
import static io.github.streaminfer.transport.TestSupport.POSE;
import static io.github.streaminfer.transport.TestSupport.VEL;
import static io.github.streaminfer.transport.TestSupport.jpeg;
import static io.github.streaminfer.transport.TestSupport.obj;
import static io.github.streaminfer.transport.TestSupport.vlaFrame;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every VLA frame message gets exactly one reply, its {@code action} or an {@code error}, and the final
 * {@code stats} add up: a client sends a burst while the model is held in its first inference, lets it go, closes,
 * and counts the replies.
 */
class VlaReplyInvariantTest {
    static final int BURST = 200;

    @Test
    void aBurstUnderLatestOnlyGetsOneReplyPerFrameAndSupersededErrors() throws Exception {
        Held held = new Held();
        try (StreamingServer s = server(IngressPolicy.LATEST_ONLY, held, AccessPolicy.OPEN, ServerLimits.DEFAULT);
             Ws c = Ws.vla(s)) {
            c.auth(null, 10);
            List<String> ids = new ArrayList<>();
            for (int i = 1; i <= BURST; i++) {
                c.send(vlaFrame(IMAGE_SMALL, POSE, VEL));
                ids.add(String.valueOf(i)); // the server numbers frames 1, 2, 3, ...
            }
            Replies r = Replies.collect(c, held);
            r.assertOneReplyEach(ids, "superseded");
            assertThat(r.actions).as("the held frame, if the worker took one, and the last").isBetween(1, 2);
            // the first frame the worker took was held in inference; the last one is inferred; the rest replaced
            assertThat(r.count("superseded")).isEqualTo(BURST - r.actions);
            assertThat(r.stats.get("dropped_by_reason").get("superseded").asLong()).isEqualTo(r.count("superseded"));
        }
    }

    @Test
    void clientFrameIdsAndInvalidFramesInABurstGetOneReplyEach() throws Exception {
        Held held = new Held();
        try (StreamingServer s = server(IngressPolicy.LATEST_ONLY, held, AccessPolicy.OPEN, ServerLimits.DEFAULT);
             Ws c = Ws.vla(s)) {
            c.auth(null, 10);
            List<String> ids = new ArrayList<>();
            for (int i = 1; i <= BURST; i++) {
                boolean invalid = i % 25 == 0;
                ObjectNode f = (ObjectNode) TestSupport.json(vlaFrame(invalid ? "not base64!!" : IMAGE_SMALL, POSE,
                        VEL));
                if (i % 2 == 0) {
                    f.put("frame_id", "cam0-" + i);
                    ids.add("cam0-" + i);
                } else {
                    f.put("frame_id", 100_000 + i);
                    ids.add(String.valueOf(100_000 + i));
                }
                c.send(f.toString());
            }
            Replies r = Replies.collect(c, held);
            r.assertOneReplyEach(ids, "superseded");
            assertThat(r.actions).as("the held frame, if the worker took one, and the last").isBetween(1, 2);
            assertThat(r.count("invalid_base64")).isEqualTo(BURST / 25);
            assertThat(r.stats.get("invalid_frames").asLong()).isEqualTo(BURST / 25);
            assertThat(r.count("superseded")).isEqualTo(BURST - BURST / 25 - r.actions);
        }
    }

    @Test
    void binaryFramesInABurstGetOneReplyEach() throws Exception {
        Held held = new Held();
        try (StreamingServer s = server(IngressPolicy.LATEST_ONLY, held, AccessPolicy.OPEN, ServerLimits.DEFAULT);
             Ws c = Ws.vla(s)) {
            c.auth(null, 10);
            byte[] image = jpeg(16, 16, 90);
            List<String> ids = new ArrayList<>();
            for (int i = 1; i <= BURST; i++) {
                ObjectNode meta = obj("type", "frame_metadata", "frameNumber", 5000 + i, "format", "jpeg");
                meta.set("robot_state", obj("pose", POSE, "velocity", VEL));
                c.send(meta.toString());
                c.send(image);
                ids.add(String.valueOf(5000 + i));
            }
            Replies r = Replies.collect(c, held);
            r.assertOneReplyEach(ids, "superseded");
            assertThat(r.actions).as("the held frame, if the worker took one, and the last").isBetween(1, 2);
            assertThat(r.count("superseded")).isEqualTo(BURST - r.actions);
        }
    }

    @Test
    void aBurstIntoAFullQueueGetsQueueFullErrors() throws Exception {
        Held held = new Held();
        try (StreamingServer s = server(IngressPolicy.rejectNewest(4), held, AccessPolicy.OPEN,
                ServerLimits.DEFAULT); Ws c = Ws.vla(s)) {
            c.auth(null, 10);
            List<String> ids = new ArrayList<>();
            for (int i = 1; i <= BURST; i++) {
                c.send(vlaFrame(IMAGE_SMALL, POSE, VEL));
                ids.add(String.valueOf(i));
            }
            Replies r = Replies.collect(c, held);
            r.assertOneReplyEach(ids, "queue_full");
            assertThat(r.actions).as("the held frame and the queued ones are inferred").isBetween(4, 5);
            assertThat(r.count("queue_full")).isEqualTo(BURST - r.actions);
            assertThat(r.stats.get("dropped_by_reason").get("queue_full").asLong()).isEqualTo(r.count("queue_full"));
        }
    }

    @Test
    void aBurstIntoADropOldestQueueGetsSupersededErrors() throws Exception {
        Held held = new Held();
        try (StreamingServer s = server(IngressPolicy.dropOldest(3), held, AccessPolicy.OPEN,
                ServerLimits.DEFAULT); Ws c = Ws.vla(s)) {
            c.auth(null, 10);
            List<String> ids = new ArrayList<>();
            for (int i = 1; i <= BURST; i++) {
                c.send(vlaFrame(IMAGE_SMALL, POSE, VEL));
                ids.add(String.valueOf(i));
            }
            Replies r = Replies.collect(c, held);
            r.assertOneReplyEach(ids, "superseded");
            assertThat(r.actions).as("the held frame, if the worker took one, and 3 queued").isBetween(3, 4);
            assertThat(r.count("superseded")).isEqualTo(BURST - r.actions);
        }
    }

    @Test
    void aBurstAboveTheTierFpsGetsRateLimitedErrorsCountedAsDropped() throws Exception {
        Held held = new Held();
        try (StreamingServer s = server(IngressPolicy.LATEST_ONLY, held, TestSupport.keys(), ServerLimits.DEFAULT);
             Ws c = Ws.vla(s)) {
            c.auth(KEY_PRO, 30);
            List<String> ids = new ArrayList<>();
            long start = System.nanoTime();
            for (int i = 1; i <= BURST; i++) {
                ObjectNode f = (ObjectNode) TestSupport.json(vlaFrame(IMAGE_SMALL, POSE, VEL));
                f.put("frame_id", "r" + i);
                c.send(f.toString());
                ids.add("r" + i);
            }
            Replies r = Replies.collect(c, held); // returns once the server has read every frame
            double seconds = (r.synced - start) / 1e9;
            r.assertOneReplyEach(ids, "rate_limited", "superseded");
            // the pro tier's gate admits a burst of 6 and then 30 frames a second of arrival time
            long admitted = BURST - r.count("rate_limited");
            assertThat(admitted).as("frames past a 30 fps gate in %.2f s", seconds)
                    .isLessThanOrEqualTo(7 + (long) Math.ceil(30 * seconds));
            assertThat(r.stats.get("dropped_by_reason").get("rate_limited").asLong())
                    .isEqualTo(r.count("rate_limited"));
        }
    }

    @Test
    void framesTheCloseCannotFinishAreAnsweredBeforeTheFinalStats() throws Exception {
        ServerLimits limits = ServerLimits.DEFAULT.toBuilder().closeDrainTimeout(Duration.ofMillis(100)).build();
        Held held = new Held();
        try (StreamingServer s = server(IngressPolicy.LATEST_ONLY, held, AccessPolicy.OPEN, limits);
             Ws c = Ws.vla(s)) {
            c.auth(null, 10);
            c.send(vlaFrame(IMAGE_SMALL, POSE, VEL)); // 1: held in inference past the close
            assertThat(held.entered.await(10, TimeUnit.SECONDS)).isTrue();
            c.send(vlaFrame(IMAGE_SMALL, POSE, VEL)); // 2: waits, then is replaced by 3
            c.send(vlaFrame(IMAGE_SMALL, POSE, VEL)); // 3: waits until the close drops it
            Replies r = new Replies();
            try {
                r.closeAndCollect(c);
            } finally {
                held.release(); // the inference of 1 ends after the close: its result must not be sent
            }
            r.assertOneReplyEach(List.of("1", "2", "3"), "superseded");
            assertThat(r.byId.get("1").get(0).get("code").asText()).isEqualTo("session_closed");
            assertThat(r.byId.get("2").get(0).get("code").asText()).isEqualTo("superseded");
            assertThat(r.byId.get("3").get(0).get("code").asText()).isEqualTo("session_closed");
            assertThat(r.stats.get("refused_frames").asLong()).isEqualTo(2);
            assertThat(r.actions).isZero();
        }
    }

    @Test
    void framesTheTaskConsumesWithoutAResultAreAnsweredWithTheNextResult() throws Exception {
        ScriptedModel model = TestSupport.vlaModel(0);
        SessionFactory<VlaFrame, FloatVector> factory = (req, l) -> StreamingInferenceSession
                .builder(model, new EveryOtherFrameTask())
                .config(TestSupport.config(req, IngressPolicy.rejectNewest(16))).listener(l).build();
        try (StreamingServer s = StreamingServer.builder().host("127.0.0.1").port(0).ioThreads(1)
                .vla(VlaEndpoint.of(factory, ActionEncoder.floatVector()).withMaxStateLength(12)).start();
             Ws c = Ws.vla(s)) {
            c.auth(null, 10);
            List<String> ids = new ArrayList<>();
            for (int i = 1; i <= 10; i++) {
                c.send(vlaFrame(IMAGE_SMALL, POSE, VEL));
                ids.add(String.valueOf(i));
            }
            Replies r = new Replies();
            r.closeAndCollect(c);
            r.assertOneReplyEach(ids, "superseded");
            for (int i = 1; i <= 10; i++) {
                JsonNode reply = r.byId.get(String.valueOf(i)).get(0);
                assertThat(reply.get("type").asText()).as("frame %d", i).isEqualTo(i % 2 == 0 ? "action" : "error");
            }
            assertThat(r.count("superseded")).isEqualTo(5);
        }
    }

    /** Produces a result for every second frame only, as a task that batches or skips frames does. */
    static final class EveryOtherFrameTask implements InferenceTask<VlaFrame, FloatVector> {
        private final TestSupport.VlaTestTask task = new TestSupport.VlaTestTask();
        private int frames;

        @Override
        public void bind(ModelSignature model) {
            task.bind(model);
        }

        @Override
        public FloatVector newOutput() {
            return task.newOutput();
        }

        @Override
        public void preprocess(VlaFrame observation, Tensor[] inputs) {
            frames++;
            task.preprocess(observation, inputs);
        }

        @Override
        public boolean ready() {
            return frames % 2 == 0;
        }

        @Override
        public void decode(Tensor[] outputs, FloatVector into) {
            task.decode(outputs, into);
        }
    }

    static StreamingServer server(IngressPolicy ingress, Held held, AccessPolicy access, ServerLimits limits) {
        return StreamingServer.builder().host("127.0.0.1").port(0).limits(limits).access(access)
                .blockingThreads(2).ioThreads(1)
                .vla(VlaEndpoint.of(TestSupport.vlaFactory(held.model, ingress), ActionEncoder.floatVector())
                        .withMaxStateLength(12))
                .start();
    }

    /** A policy model whose first run waits until the test lets it go, so that a burst piles up behind it. */
    static final class Held {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch go = new CountDownLatch(1);
        final ScriptedModel model = ScriptedModel.builder().name("test-policy").input("state", DType.FLOAT32, 1, 13)
                .output("action", DType.FLOAT32, 1, 7).script((in, out) -> {
                    entered.countDown();
                    try {
                        go.await(30, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    out[0].putFloat(0, in[0].getFloat(0));
                }).build();

        void release() {
            go.countDown();
        }
    }

    /** What a client received after its frames: replies by frame id, the final stats and the close code. */
    static final class Replies {
        final Map<String, List<JsonNode>> byId = new LinkedHashMap<>();
        final Map<String, Integer> codes = new HashMap<>();
        int actions;
        int queueFullMessages;
        JsonNode stats;
        int closeCode;
        /** When the reply to the {@code stats} sent after the burst came: the server had read every frame. */
        long synced;

        /**
         * Asks for {@code stats} and waits for them, so that the server has read every frame; lets the held model
         * go; sends {@code close} and reads every message up to the WebSocket close.
         */
        static Replies collect(Ws c, Held held) throws InterruptedException {
            Replies r = new Replies();
            c.send("{\"type\":\"stats\"}");
            while (!r.take(c.next())) {
                // replies that came before the stats
            }
            r.synced = System.nanoTime();
            held.release();
            r.closeAndCollect(c);
            return r;
        }

        /** Sends {@code close} and reads every message up to the WebSocket close. */
        void closeAndCollect(Ws c) throws InterruptedException {
            c.send("{\"type\":\"close\"}");
            for (;;) {
                Msg m = c.next();
                if (m.isClose()) {
                    closeCode = m.closeCode();
                    return;
                }
                take(m);
            }
        }

        /** @return true for a non-final stats message */
        private boolean take(Msg m) {
            JsonNode j = m.json();
            String type = j.get("type").asText();
            if (type.equals("stats")) {
                if (!j.path("final").asBoolean()) {
                    return true;
                }
                stats = j;
                return false;
            }
            assertThat(stats).as("a reply after the final stats: " + j).isNull();
            assertThat(type).isIn("action", "error");
            assertThat(j.has("frame_id")).as("every reply names its frame: " + j).isTrue();
            byId.computeIfAbsent(j.get("frame_id").asText(), k -> new ArrayList<>()).add(j);
            if (type.equals("action")) {
                actions++;
            } else {
                codes.merge(j.get("code").asText(), 1, Integer::sum);
                if (j.get("message").asText().equals("Frame queue full")) {
                    queueFullMessages++;
                }
            }
            return false;
        }

        int count(String code) {
            return codes.getOrDefault(code, 0);
        }

        /**
         * Every frame id sent got exactly one reply, nothing else was answered, "Frame queue full" errors carry only
         * the given drop codes, and the final stats add up.
         */
        void assertOneReplyEach(List<String> sent, String... allowedDropCodes) {
            assertThat(closeCode).isEqualTo(1000);
            assertThat(byId.keySet()).as("frames answered").containsExactlyInAnyOrderElementsOf(sent);
            byId.forEach((id, replies) -> assertThat(replies).as("replies to frame " + id).hasSize(1));
            byId.values().stream().map(l -> l.get(0)).filter(j -> j.get("type").asText().equals("error")
                    && j.get("message").asText().equals("Frame queue full"))
                    .forEach(j -> assertThat(j.get("code").asText()).isIn((Object[]) allowedDropCodes));

            assertThat(stats).as("final stats").isNotNull();
            long total = stats.get("total_frames").asLong();
            long dropped = stats.get("dropped_frames").asLong();
            JsonNode by = stats.get("dropped_by_reason");
            assertThat(total).isEqualTo(sent.size());
            assertThat(dropped).as("dropped_frames is the number of 'Frame queue full' errors")
                    .isEqualTo(queueFullMessages);
            assertThat(by.get("superseded").asLong() + by.get("queue_full").asLong()
                    + by.get("rate_limited").asLong()).isEqualTo(dropped);
            assertThat(stats.get("actions_sent").asLong()).isEqualTo(actions);
            assertThat(stats.get("pending_frames").asLong()).isZero();
            assertThat(stats.get("actions_sent").asLong() + dropped + stats.get("invalid_frames").asLong()
                    + stats.get("failed_frames").asLong() + stats.get("refused_frames").asLong())
                    .as("total_frames = actions_sent + dropped + invalid + failed + refused + pending")
                    .isEqualTo(total);
        }
    }
}
