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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.ByteBuffer;
import java.util.Base64;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.zip.CRC32;

import static io.github.streaminfer.transport.TestSupport.jpeg;
import static io.github.streaminfer.transport.TestSupport.obj;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The VLA endpoint reuses a few frames per connection; a frame must never change while the session holds it. A
 * client floods the server, text and binary frames mixed, each image a different size and content, while the task
 * reads every image slowly (half, a pause, the other half) and checks it, with the state, against the checksum the
 * client put in the instruction, once in {@code preprocess} and again in {@code decode}, just before the result is
 * published. With frames refilled too early the checksums would not match.
 */
class VlaFrameReuseTest {

    /** Checks each frame's image and state against its instruction, {@code "<frame number> <crc32 of the image>"}. */
    static final class ChecksumTask implements InferenceTask<VlaFrame, FloatVector> {
        static final AtomicInteger CORRUPT = new AtomicInteger();
        final Set<VlaFrame> distinct = Collections.newSetFromMap(new IdentityHashMap<>());
        final AtomicInteger checked = new AtomicInteger();
        private VlaFrame held;
        private long number;
        private long crc;

        @Override
        public void bind(ModelSignature model) {
        }

        @Override
        public FloatVector newOutput() {
            return new FloatVector(2);
        }

        @Override
        public void preprocess(VlaFrame f, Tensor[] inputs) {
            String[] expected = f.instruction().split(" ");
            number = Long.parseLong(expected[0]);
            crc = Long.parseLong(expected[1]);
            boolean ok = f.pose().length == 1 && f.pose()[0] == number && crc(f.image(), true) == crc;
            held = ok ? f : null;
            distinct.add(f);
            checked.incrementAndGet();
            if (!ok) {
                CORRUPT.incrementAndGet();
            }
            inputs[0].putFloat(0, number);
        }

        @Override
        public void decode(Tensor[] outputs, FloatVector into) {
            // the frame must still be the same now, just before its result is published
            boolean ok = held != null && held.pose()[0] == number && crc(held.image(), false) == crc
                    && held.instruction().equals(number + " " + crc);
            if (!ok) {
                CORRUPT.incrementAndGet();
            }
            into.setLength(2);
            into.array()[0] = number;
            into.array()[1] = ok ? 1 : 0;
        }

        static long crc(ByteBuffer image, boolean slowly) {
            CRC32 crc = new CRC32();
            int n = image.remaining();
            for (int i = 0; i < n; i++) {
                crc.update(image.get(image.position() + i));
                if (slowly && i == n / 2) {
                    LockSupport.parkNanos(300_000); // the client's next frames arrive meanwhile
                }
            }
            return crc.getValue();
        }
    }

    static ScriptedModel model() {
        return ScriptedModel.builder().name("checksum").input("n", DType.FLOAT32, 1, 1)
                .output("y", DType.FLOAT32, 1, 2).build();
    }

    /** A valid JPEG header followed by {@code extra} random bytes: the header check passes, the content varies. */
    static byte[] image(Random rnd, byte[] jpeg, int extra) {
        byte[] b = new byte[jpeg.length + extra];
        System.arraycopy(jpeg, 0, b, 0, jpeg.length);
        for (int i = jpeg.length; i < b.length; i++) {
            b[i] = (byte) rnd.nextInt();
        }
        return b;
    }

    @ParameterizedTest
    @ValueSource(strings = {"latest", "reject", "drop"})
    void aFrameNeverChangesWhileTheSessionHoldsIt(String policy) throws Exception {
        IngressPolicy ingress = switch (policy) {
            case "latest" -> IngressPolicy.LATEST_ONLY;
            case "reject" -> IngressPolicy.rejectNewest(3);
            default -> IngressPolicy.dropOldest(3);
        };
        ChecksumTask task = new ChecksumTask();
        ChecksumTask.CORRUPT.set(0);
        ScriptedModel model = model();
        SessionFactory<VlaFrame, FloatVector> factory = (req, l) -> StreamingInferenceSession.builder(model, task)
                .config(TestSupport.config(req, ingress)).listener(l).build();
        Random rnd = new Random(policy.hashCode());
        byte[] jpeg = jpeg(8, 8, 90);
        int frames = 600;
        int actions = 0;
        try (StreamingServer s = StreamingServer.builder().host("127.0.0.1").port(0)
                .vla(VlaEndpoint.of(factory, ActionEncoder.floatVector())).start();
             Ws c = Ws.vla(s)) {
            assertThat(c.auth(null, 1000).get("type").asText()).isEqualTo("connected");
            for (int n = 1; n <= frames; n++) {
                byte[] img = image(rnd, jpeg, rnd.nextInt(3) == 0 ? rnd.nextInt(30_000) : rnd.nextInt(2_000));
                CRC32 crc = new CRC32();
                crc.update(img);
                ObjectNode f = obj("instruction", n + " " + crc.getValue(), "robot_state", obj("pose", new int[]{n}));
                if (n % 3 == 0) {
                    f.put("type", "frame_metadata").put("frameNumber", n).put("format", "jpeg");
                    c.send(f.toString());
                    c.send(img);
                } else {
                    f.put("type", "frame").put("frame_id", n).put("image", (n % 2 == 0 ? "data:image/jpeg;base64,"
                            : "") + Base64.getEncoder().encodeToString(img));
                    c.send(f.toString());
                }
            }
            c.send("{\"type\":\"close\"}");
            for (Msg m = c.next(); !m.isClose(); m = c.next()) {
                JsonNode j = m.json();
                String type = j.get("type").asText();
                if (type.equals("action")) {
                    actions++;
                    assertThat(j.get("action").get(1).asDouble()).as("frame %s intact until its result",
                            j.get("frame_id")).isEqualTo(1.0);
                    assertThat(j.get("action").get(0).asLong()).isEqualTo(j.get("frame_id").asLong());
                } else if (type.equals("error")) {
                    // every frame is answered: a replaced one gets "superseded", a refused one "queue_full"
                    assertThat(j.get("code").asText()).as(j.toString())
                            .isEqualTo(policy.equals("reject") ? "queue_full" : "superseded");
                }
            }
        }
        assertThat(ChecksumTask.CORRUPT.get()).as("frames whose image or state changed while held").isZero();
        assertThat(actions).as("frames inferred").isGreaterThan(20);
        // a conflating queue holds at most two frames, a queue of 3 at most four: the pool's 8 frames always suffice
        // (a queue that drops its oldest frames may need more while the client floods it; frames outside the pool
        // are used then)
        int pooled = switch (policy) {
            case "latest" -> 3;
            case "reject" -> 8;
            default -> Integer.MAX_VALUE;
        };
        assertThat(task.distinct.size()).as("distinct frame objects among %d frames checked", task.checked.get())
                .isLessThanOrEqualTo(pooled);
    }
}
