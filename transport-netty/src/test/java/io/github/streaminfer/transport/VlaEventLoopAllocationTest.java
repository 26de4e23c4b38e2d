package io.github.streaminfer.transport;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.streaminfer.session.IngressPolicy;
import io.github.streaminfer.session.StreamingInferenceSession;
import io.github.streaminfer.task.FloatVector;
import io.github.streaminfer.tensor.DType;
import io.github.streaminfer.testkit.ScriptedModel;
import io.github.streaminfer.transport.TestSupport.Ws;
import io.github.streaminfer.transport.vla.VlaEndpoint;
import io.github.streaminfer.transport.vla.VlaFrame;
import io.netty.util.concurrent.FastThreadLocalThread;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.util.Base64;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;

import static io.github.streaminfer.transport.TestSupport.jpeg;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the server's event loops allocate per VLA frame, text and binary, measured on loopback with a real client:
 * the seed's frame is read without a tree and its image decoded into a reused buffer, so what is left is Netty's
 * own per-message objects (the frame objects and buffer views it makes), a few hundred bytes; parsing the message
 * as a tree and decoding the base64 into new arrays cost over 6 kB per frame. A frame replaced before inference
 * costs about as little: its "Frame queue full" error is written by a reused generator (about 300 bytes per frame
 * here, against about 1,260 when it was built as a tree).
 */
class VlaEventLoopAllocationTest {
    static final int BUDGET = 1024;

    @Test
    void theEventLoopAllocatesLittlePerFrame() throws Exception {
        ScriptedModel model = ScriptedModel.builder().name("state-policy").input("state", DType.FLOAT32, 1, 12)
                .output("action", DType.FLOAT32, 1, 7).build();
        SessionFactory<VlaFrame, FloatVector> factory = (req, l) -> StreamingInferenceSession
                .builder(model, StatePolicyTask.vla()).config(TestSupport.config(req, IngressPolicy.LATEST_ONLY))
                .listener(l).build();
        byte[] image = jpeg(32, 32, 100);
        String b64 = Base64.getEncoder().encodeToString(image);
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (StreamingServer s = StreamingServer.builder().host("127.0.0.1").port(0).ioThreads(1)
                .vla(VlaEndpoint.of(factory, ActionEncoder.floatVector())).start();
             Ws c = Ws.vla(s)) {
            assertThat(c.auth(null, 1000).get("type").asText()).isEqualTo("connected");
            int id = 0;
            for (; id < 4000; id++) { // warm up: compiled code, grown buffers, pooled frames
                roundTrip(c, id, b64, image);
            }
            long[] loops = eventLoops();
            long before = sum(mx.getThreadAllocatedBytes(loops));
            int n = 2000;
            for (int i = 0; i < n; i++, id++) {
                roundTrip(c, id, b64, image);
            }
            double perFrame = (sum(mx.getThreadAllocatedBytes(loops)) - before) / (double) n;
            assertThat(perFrame).as("bytes the event loops allocated per frame").isLessThan(BUDGET);
        }
    }

    @Test
    void answeringSupersededFramesAllocatesLittleOnTheEventLoop() throws Exception {
        AtomicBoolean hold = new AtomicBoolean();
        ScriptedModel model = ScriptedModel.builder().name("state-policy").input("state", DType.FLOAT32, 1, 12)
                .output("action", DType.FLOAT32, 1, 7).script((in, out) -> {
                    while (hold.get()) {
                        LockSupport.parkNanos(100_000);
                    }
                }).build();
        SessionFactory<VlaFrame, FloatVector> factory = (req, l) -> StreamingInferenceSession
                .builder(model, StatePolicyTask.vla()).config(TestSupport.config(req, IngressPolicy.LATEST_ONLY))
                .listener(l).build();
        String b64 = Base64.getEncoder().encodeToString(jpeg(32, 32, 100));
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (StreamingServer s = StreamingServer.builder().host("127.0.0.1").port(0).ioThreads(1)
                .vla(VlaEndpoint.of(factory, ActionEncoder.floatVector())).start();
             Ws c = Ws.vla(s)) {
            assertThat(c.auth(null, 1000).get("type").asText()).isEqualTo("connected");
            long[] loops = eventLoops();
            LongSupplier allocated = () -> sum(mx.getThreadAllocatedBytes(loops));
            int n = 2000;
            for (int round = 0; round < 3; round++) { // warm up: compiled code, grown buffers, pooled frames
                burst(c, hold, round * n, n, b64, allocated);
            }
            double perFrame = burst(c, hold, 3 * n, n, b64, allocated) / (double) n;
            assertThat(perFrame).as("bytes the event loops allocated per superseded frame").isLessThan(BUDGET);
        }
    }

    /**
     * Sends {@code n} frames while the model is held in the first one, so that every frame but the first and the
     * last is replaced before inference and answered by the event loop.
     *
     * @return bytes the event loops allocated from before the first frame to the last superseded error's arrival
     */
    private static long burst(Ws c, AtomicBoolean hold, int id, int n, String b64, LongSupplier allocated)
            throws InterruptedException {
        hold.set(true);
        long before = allocated.getAsLong();
        for (int i = 0; i < n; i++) {
            c.send("{\"type\":\"frame\",\"frame_id\":" + (id + i) + ",\"image\":\"data:image/jpeg;base64," + b64
                    + "\",\"robot_state\":{\"pose\":[0.3,0,0.5,0,0,0],\"velocity\":[0,0,0,0,0,0]}}");
        }
        for (int superseded = 0; superseded < n - 2; superseded++) { // one frame is held, the last waits for it
            assertThat(c.next().text()).as("a frame replaced before inference").contains("\"superseded\"");
        }
        long bytes = allocated.getAsLong() - before;
        hold.set(false);
        for (int i = 0; i < 2; i++) {
            assertThat(c.nextJson().get("type").asText()).isEqualTo("action");
        }
        return bytes;
    }

    private static void roundTrip(Ws c, int id, String b64, byte[] image) throws InterruptedException {
        String state = "\"robot_state\":{\"pose\":[0.3,0," + (id % 7) * 0.125 + ",0,0,0],\"velocity\":[0,0,0,0,0,0]}";
        if (id % 2 == 0) {
            c.send("{\"type\":\"frame\",\"frame_id\":" + id + ",\"image\":\"data:image/jpeg;base64," + b64
                    + "\",\"instruction\":\"pick\"," + state + "}");
        } else {
            c.send("{\"type\":\"frame_metadata\",\"frameNumber\":" + id + ",\"format\":\"jpeg\",\"instruction\":"
                    + "\"pick\"," + state + "}");
            c.send(image);
        }
        JsonNode a = c.nextJson();
        assertThat(a.get("type").asText()).as(a.toString()).isEqualTo("action");
        assertThat(a.get("frame_id").asInt()).isEqualTo(id);
    }

    private static long[] eventLoops() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t instanceof FastThreadLocalThread)
                .mapToLong(Thread::getId).toArray();
    }

    private static long sum(long[] values) {
        long s = 0;
        for (long v : values) {
            s += Math.max(0, v);
        }
        return s;
    }
}
