package io.github.streaminfer.jmh;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.streaminfer.backend.Backends;
import io.github.streaminfer.backend.InferenceBackend;
import io.github.streaminfer.backend.LoadedModel;
import io.github.streaminfer.backend.ModelOptions;
import io.github.streaminfer.backend.ModelSource;
import io.github.streaminfer.image.ImageDecoders;
import io.github.streaminfer.image.ImageSpec;
import io.github.streaminfer.session.IngressPolicy;
import io.github.streaminfer.session.SessionConfig;
import io.github.streaminfer.session.StreamingInferenceSession;
import io.github.streaminfer.session.WorkerPool;
import io.github.streaminfer.synthetic.SyntheticModels;
import io.github.streaminfer.task.ActionChunk;
import io.github.streaminfer.task.PolicyTask;
import io.github.streaminfer.transport.ActionEncoder;
import io.github.streaminfer.transport.PolicyAdapters;
import io.github.streaminfer.transport.SessionFactory;
import io.github.streaminfer.transport.StreamingServer;
import io.github.streaminfer.transport.vla.VlaEndpoint;
import io.github.streaminfer.transport.vla.VlaFrame;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Load tool: N concurrent VLA WebSocket sessions at R Hz on loopback against an in-process {@link StreamingServer}
 * serving a small synthetic ONNX policy (image 32×32 + state 12 → action 7) through {@code PolicyTask}.
 *
 * <p>For every frame it measures the client round trip (send → action received) and subtracts the server's own
 * {@code latency_ms} (frame arrival → result published, measured in the session), which leaves what the transport
 * adds: JSON parse and validation, the event-loop hops, encoding, the socket both ways and the client's own parse.
 * It counts frames sent, actions received, errors by code, and frames with no answer (lost), and samples the heap
 * after a GC at the start and once a minute.
 *
 * <pre>
 * java -cp jmh/target/benchmarks.jar io.github.streaminfer.jmh.VlaLoadTool [sessions=100] [hz=50] [seconds=300]
 *      [warmup=10] [workers=cores]
 * </pre>
 *
 * <p><b>Note:</b> client and server share the JVM and the cores; run it on a quiet machine for figures.
 */
public final class VlaLoadTool {
    private static final ObjectMapper JSON = new ObjectMapper();

    private VlaLoadTool() {
    }

    /**
     * @param args {@code key=value} settings: sessions, hz, seconds, warmup, workers
     * @throws Exception on failure
     */
    public static void main(String[] args) throws Exception {
        int sessions = 100;
        double hz = 50;
        int seconds = 300;
        int warmup = 10;
        int workers = Runtime.getRuntime().availableProcessors();
        for (String a : args) {
            String[] kv = a.split("=", 2);
            switch (kv[0]) {
                case "sessions": sessions = Integer.parseInt(kv[1]); break;
                case "hz": hz = Double.parseDouble(kv[1]); break;
                case "seconds": seconds = Integer.parseInt(kv[1]); break;
                case "warmup": warmup = Integer.parseInt(kv[1]); break;
                case "workers": workers = Integer.parseInt(kv[1]); break;
                default: throw new IllegalArgumentException("unknown setting '" + a
                        + "'; allowed: sessions, hz, seconds, warmup, workers");
            }
        }
        Result r = run(sessions, hz, warmup, seconds, workers);
        System.out.println(r.report());
    }

    /** Outcome of a run. */
    record Result(int sessions, double hz, int seconds, long sent, long actions, long errors, long dropped,
                  long lost,
                  Histogram rtt, Histogram server, Histogram overhead, long[] heapAfterGc) {
        String report() {
            return String.format(Locale.ROOT, "VLA load: %d sessions x %.0f Hz for %d s (after warm-up)%n"
                            + "frames sent %d, actions %d, errors %d; whole run: dropped by the session's policy %d, "
                            + "lost %d%n"
                            + "client round trip   p50 %.3f ms  p99 %.3f ms  max %.3f ms%n"
                            + "server latency_ms   p50 %.3f ms  p99 %.3f ms%n"
                            + "transport overhead  p50 %.3f ms  p99 %.3f ms  max %.3f ms%n"
                            + "heap after GC, once a minute: %s MiB",
                    sessions, hz, seconds, sent, actions, errors, dropped, lost,
                    ms(rtt.getValueAtPercentile(50)), ms(rtt.getValueAtPercentile(99)), ms(rtt.getMaxValue()),
                    ms(server.getValueAtPercentile(50)), ms(server.getValueAtPercentile(99)),
                    ms(overhead.getValueAtPercentile(50)), ms(overhead.getValueAtPercentile(99)),
                    ms(overhead.getMaxValue()), heapTrend());
        }

        private String heapTrend() {
            StringBuilder b = new StringBuilder();
            for (long used : heapAfterGc) {
                b.append(b.length() == 0 ? "" : " → ").append(String.format(Locale.ROOT, "%.1f", used / 1048576.0));
            }
            return b.toString();
        }

        private static double ms(long nanos) {
            return nanos / 1e6;
        }
    }

    static Result run(int sessions, double hz, int warmupSeconds, int seconds, int workers) throws Exception {
        InferenceBackend onnx = Backends.require("onnx");
        LoadedModel model = onnx.load(ModelSource.ofBytes("load-policy.onnx",
                new SyntheticModels.Policy(32, 32, 12, 1, 0).bytes()), ModelOptions.DEFAULT);
        WorkerPool pool = WorkerPool.create("load-sessions", workers);
        SessionFactory<VlaFrame, ActionChunk> factory = (req, listener) -> StreamingInferenceSession
                .builder(model, PolicyAdapters.vla(PolicyTask.builder()
                        .image("image", ImageSpec.builder(32, 32).build()).state("state")
                        .decoder(ImageDecoders.best()).build()))
                .config(SessionConfig.DEFAULT.toBuilder().name("load-" + req.sessionId())
                        .ingress(IngressPolicy.LATEST_ONLY).build())
                .listener(listener).workerPool(pool).build();
        Recorder rtt = new Recorder(60_000_000_000L, 3);
        Recorder server = new Recorder(60_000_000_000L, 3);
        Recorder overhead = new Recorder(60_000_000_000L, 3);
        AtomicLong sent = new AtomicLong();
        AtomicLong actions = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        String image = "data:image/jpeg;base64," + Base64.getEncoder().encodeToString(jpeg());
        List<Long> heap = new ArrayList<>();
        long lost = 0;
        long dropped = 0;
        try (StreamingServer s = StreamingServer.builder().host("127.0.0.1").port(0)
                .vla(VlaEndpoint.of(factory, ActionEncoder.actionChunk())).start()) {
            HttpClient http = HttpClient.newHttpClient();
            List<Client> clients = new ArrayList<>();
            for (int i = 0; i < sessions; i++) {
                Client c = new Client(rtt, server, overhead, actions, errors);
                c.ws = http.newWebSocketBuilder().buildAsync(URI.create("ws://127.0.0.1:" + s.port() + "/v1/stream"),
                        c).get(10, TimeUnit.SECONDS);
                c.ws.sendText("{\"type\":\"auth\",\"target_fps\":" + hz + "}", true).join();
                c.connected.await(10, TimeUnit.SECONDS);
                clients.add(c);
            }
            ScheduledExecutorService ticker = Executors.newScheduledThreadPool(2);
            long period = Math.round(1e9 / hz);
            List<ScheduledFuture<?>> tasks = new ArrayList<>();
            for (int i = 0; i < clients.size(); i++) {
                Client c = clients.get(i);
                tasks.add(ticker.scheduleAtFixedRate(() -> c.sendFrame(image, sent), period * i / sessions, period,
                        TimeUnit.NANOSECONDS));
            }
            Thread.sleep(warmupSeconds * 1000L);
            rtt.reset();
            server.reset();
            overhead.reset();
            long sentBefore = sent.get();
            long actionsBefore = actions.get();
            long errorsBefore = errors.get();
            heap.add(usedHeapAfterGc());
            for (int done = 0; done < seconds; ) {
                int step = Math.min(60, seconds - done);
                Thread.sleep(step * 1000L);
                done += step;
                heap.add(usedHeapAfterGc());
            }
            long sentDuring = sent.get() - sentBefore;
            tasks.forEach(t -> t.cancel(false));
            ticker.shutdown();
            ticker.awaitTermination(5, TimeUnit.SECONDS);
            Thread.sleep(1000);
            long droppedByPolicy = 0;
            for (Client c : clients) {
                c.ws.sendText("{\"type\":\"stats\"}", true).join();
                if (c.stats.await(10, TimeUnit.SECONDS)) {
                    droppedByPolicy += c.droppedFrames;
                }
                lost += c.unanswered();
                c.ws.sendClose(1000, "done");
            }
            lost = Math.max(0, lost - droppedByPolicy);
            dropped = droppedByPolicy;
            Histogram h1 = rtt.getIntervalHistogram();
            Histogram h2 = server.getIntervalHistogram();
            Histogram h3 = overhead.getIntervalHistogram();
            Result r = new Result(sessions, hz, seconds, sentDuring, actions.get() - actionsBefore,
                    errors.get() - errorsBefore, dropped, lost, h1, h2, h3,
                    heap.stream().mapToLong(Long::longValue).toArray());
            pool.close();
            model.close();
            return r;
        }
    }

    static long usedHeapAfterGc() throws InterruptedException {
        System.gc();
        Thread.sleep(200);
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    static byte[] jpeg() throws Exception {
        BufferedImage img = new BufferedImage(32, 32, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 32; y++) {
            for (int x = 0; x < 32; x++) {
                img.setRGB(x, y, (x * 8) << 16 | (y * 8) << 8 | 100);
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "jpg", out);
        return out.toByteArray();
    }

    /** One session's client: sends frames with its own frame ids, matches actions by id. */
    static final class Client implements WebSocket.Listener {
        private static final int RING = 4096;
        final CountDownLatch connected = new CountDownLatch(1);
        final CountDownLatch stats = new CountDownLatch(1);
        volatile long droppedFrames;
        final AtomicLongArray sentAt = new AtomicLongArray(RING);
        final Recorder rtt;
        final Recorder server;
        final Recorder overhead;
        final AtomicLong actions;
        final AtomicLong errors;
        final AtomicLong seq = new AtomicLong();
        final AtomicLong answered = new AtomicLong();
        final StringBuilder text = new StringBuilder();
        volatile WebSocket ws;

        Client(Recorder rtt, Recorder server, Recorder overhead, AtomicLong actions, AtomicLong errors) {
            this.rtt = rtt;
            this.server = server;
            this.overhead = overhead;
            this.actions = actions;
            this.errors = errors;
        }

        void sendFrame(String image, AtomicLong sent) {
            long id = seq.incrementAndGet();
            sentAt.set((int) (id % RING), System.nanoTime());
            String msg = "{\"type\":\"frame\",\"frame_id\":" + id + ",\"image\":\"" + image
                    + "\",\"instruction\":\"pick\",\"robot_state\":{\"pose\":[0.3,0,0.5,0,0,0],"
                    + "\"velocity\":[0,0,0,0,0,0]}}";
            try {
                ws.sendText(msg, true).join();
                sent.incrementAndGet();
            } catch (RuntimeException e) {
                errors.incrementAndGet();
            }
        }

        long unanswered() {
            return seq.get() - answered.get();
        }

        @Override
        public void onOpen(WebSocket webSocket) {
            webSocket.request(1);
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                long now = System.nanoTime();
                try {
                    JsonNode n = JSON.readTree(text.toString());
                    String type = n.path("type").asText();
                    if (type.equals("connected")) {
                        connected.countDown();
                    } else if (type.equals("action")) {
                        long id = n.get("frame_id").asLong();
                        long t = now - sentAt.get((int) (id % RING));
                        long srv = Math.round(n.get("latency_ms").asDouble() * 1e6);
                        rtt.recordValue(Math.max(0, t));
                        server.recordValue(Math.max(0, srv));
                        overhead.recordValue(Math.max(0, t - srv));
                        actions.incrementAndGet();
                        answered.incrementAndGet();
                    } else if (type.equals("stats")) {
                        droppedFrames = n.get("dropped_frames").asLong();
                        stats.countDown();
                    } else if (type.equals("error")) {
                        errors.incrementAndGet();
                        answered.incrementAndGet();
                    }
                } catch (Exception e) {
                    errors.incrementAndGet();
                }
                text.setLength(0);
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
            webSocket.request(1);
            return null;
        }
    }
}
