package io.github.streaminfer.jmh;

import io.github.streaminfer.backend.Backends;
import io.github.streaminfer.backend.LoadedModel;
import io.github.streaminfer.backend.ModelOptions;
import io.github.streaminfer.backend.ModelSignature;
import io.github.streaminfer.backend.ModelSource;
import io.github.streaminfer.image.ImageDecoders;
import io.github.streaminfer.image.ImageSpec;
import io.github.streaminfer.session.IngressPolicy;
import io.github.streaminfer.session.SessionConfig;
import io.github.streaminfer.session.StreamingInferenceSession;
import io.github.streaminfer.synthetic.SyntheticModels;
import io.github.streaminfer.task.DetectionTask;
import io.github.streaminfer.task.Detections;
import io.github.streaminfer.task.InferenceTask;
import io.github.streaminfer.tensor.Tensor;
import io.github.streaminfer.tensor.TensorSpec;
import io.github.streaminfer.transport.ServerLimits;
import io.github.streaminfer.transport.StreamingServer;
import io.github.streaminfer.transport.detection.DetectionEncoder;
import io.github.streaminfer.transport.detection.DetectionEndpoint;
import io.github.streaminfer.transport.detection.DetectionImage;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A camera producer's round trip on the detection WebSocket (frame_metadata + JPEG → detection_result) with no
 * viewer, and with 50 viewers of its annotated frames, 5 of which never read (they connect, then never read a
 * byte: their sockets fill and the server sees them as not writable for the whole run). Viewers are WebSocket
 * ({@code /stream/view}) or SSE ({@code /stream/view/events}). The claim: the producer's p99 with viewers
 * stays within 10 % of the no-viewer case. Compare the {@code p0.99} lines of {@code viewers=0} and
 * {@code viewers=50}; {@code -prof gc} adds the bytes allocated per round trip (all threads: server, viewers'
 * fan-out, and the benchmark's own clients):
 *
 * <pre>
 * java -jar jmh/target/benchmarks.jar ViewerFanOutBenchmark -p transport=websocket -f 1 -wi 3 -w 5s -i 5 -r 10s
 * java -jar jmh/target/benchmarks.jar ViewerFanOutBenchmark -p transport=sse -p viewers=50 -f 1 -wi 3 -w 5s -i 5 -r 10s
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 5)
@Measurement(iterations = 5, time = 10)
public class ViewerFanOutBenchmark {
    private static final int SIZE = 64;

    /** Viewers subscribed to the producer's session (a tenth of them stalled). */
    @Param({"0", "50"})
    public int viewers;

    /** How the viewers subscribe: {@code websocket} or {@code sse}. */
    @Param({"websocket", "sse"})
    public String transport;

    /**
     * Frames a second the producer sends, like a camera: {@code 0} sends the next frame as soon as the last is
     * answered (closed loop, one core busy with the producer alone). The wait between frames is not measured.
     */
    @Param({"0"})
    public int producerFps;

    private LoadedModel model;
    private StreamingServer server;
    private WebSocket producer;
    private final List<AutoCloseable> streams = new ArrayList<>();
    private Drainer drain;
    private final BlockingQueue<String> replies = new LinkedBlockingQueue<>();
    private byte[] jpeg;
    private long frame;
    private long nextSend;
    private long[] iterationStart;
    private long iterationFrames;

    /**
     * Starts the server, the producer and the viewers.
     *
     * @throws Exception on failure
     */
    @Setup(Level.Trial)
    public void setUp() throws Exception {
        float[] p = {4, 6, 14, 20, 0.55f, 0, 18, 10, 30, 18, 0.3f, 1, 5, 7, 15, 21, 0.1f, 0};
        model = Backends.require("onnx").load(ModelSource.ofBytes("bench-detector.onnx",
                new SyntheticModels.Detector(SIZE, new long[] {3, 6}, p, new float[p.length]).bytes()),
                ModelOptions.DEFAULT);
        server = StreamingServer.builder().host("127.0.0.1").port(0)
                // stalled viewers stay for the whole run instead of being closed after the default 30 s stall
                .limits(ServerLimits.DEFAULT.toBuilder().writeStallTimeout(Duration.ofHours(1)).build())
                .detection(DetectionEndpoint.of((req, l) -> StreamingInferenceSession.builder(model, new Task())
                        .config(SessionConfig.DEFAULT.toBuilder().ingress(IngressPolicy.rejectNewest(4)).build())
                        .listener(l).build(), DetectionEncoder.detections()))
                .start();
        jpeg = noise(320, 240);
        HttpClient http = HttpClient.newHttpClient();
        producer = http.newWebSocketBuilder().buildAsync(URI.create("ws://127.0.0.1:" + server.port()
                + "/stream/detection?fps_limit=1000"), new Text(replies, true)).get(30, TimeUnit.SECONDS);
        String connected = replies.take();
        String id = connected.replaceAll(".*\"session_id\":\"([^\"]+)\".*", "$1");
        if (viewers > 0) {
            drain = new Drainer();
        }
        for (int i = 0; i < viewers; i++) {
            boolean stalled = i % 10 == 9;
            if (transport.equals("sse")) {
                streams.add(stalled ? stalledSse(server.port(), id) : drain.add(server.port(), sseRequest(id)));
            } else {
                streams.add(stalled ? stalledWebSocket(server.port(), id)
                        : drain.add(server.port(), webSocketRequest(id)));
            }
        }
    }

    private static String webSocketRequest(String id) {
        return "GET /stream/view?session_id=" + id + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                + "Sec-WebSocket-Version: 13\r\n\r\n";
    }

    private static String sseRequest(String id) {
        return "GET /stream/view/events?session_id=" + id + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + "Accept: text/event-stream\r\n\r\n";
    }

    /** A WebSocket viewer that completes the handshake and then never reads. */
    private static AutoCloseable stalledWebSocket(int port, String id) throws java.io.IOException {
        Socket s = stalledSocket(port);
        s.getOutputStream().write(webSocketRequest(id).getBytes(StandardCharsets.US_ASCII));
        return s;
    }

    /** An SSE viewer that sends its request and then never reads. */
    private static AutoCloseable stalledSse(int port, String id) throws java.io.IOException {
        Socket s = stalledSocket(port);
        s.getOutputStream().write(sseRequest(id).getBytes(StandardCharsets.US_ASCII));
        return s;
    }

    private static Socket stalledSocket(int port) throws java.io.IOException {
        Socket s = new Socket();
        s.setReceiveBufferSize(8192);
        s.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
        return s;
    }

    /**
     * The reading viewers: sockets that send their request and then read and drop everything, all on one thread.
     * A viewer is a browser on another machine; here its side should cost the cores the server runs on as little
     * as possible, so the figures are the server's (a WebSocket client library per viewer would decode every frame).
     */
    private static final class Drainer implements AutoCloseable {
        private final Selector selector = Selector.open();
        private final Thread thread = new Thread(this::run, "viewer-drain");
        private volatile boolean running = true;

        Drainer() throws java.io.IOException {
            thread.setDaemon(true);
            thread.start();
        }

        AutoCloseable add(int port, String request) throws java.io.IOException {
            SocketChannel ch = SocketChannel.open(new InetSocketAddress("127.0.0.1", port));
            ch.write(ByteBuffer.wrap(request.getBytes(StandardCharsets.US_ASCII)));
            ch.configureBlocking(false);
            synchronized (this) {
                selector.wakeup();
                ch.register(selector, SelectionKey.OP_READ);
            }
            return ch;
        }

        private void run() {
            ByteBuffer sink = ByteBuffer.allocateDirect(256 * 1024);
            while (running) {
                try {
                    synchronized (this) {
                        // lets add() register between selects
                    }
                    selector.select(100);
                    for (SelectionKey k : selector.selectedKeys()) {
                        SocketChannel ch = (SocketChannel) k.channel();
                        sink.clear();
                        if (ch.read(sink) < 0) {
                            k.cancel();
                        }
                    }
                    selector.selectedKeys().clear();
                } catch (java.nio.channels.ClosedSelectorException e) {
                    return; // tear-down
                } catch (java.io.IOException | java.nio.channels.CancelledKeyException e) {
                    // a viewer closed; the others go on
                }
            }
        }

        @Override
        public void close() throws java.io.IOException {
            running = false;
            selector.wakeup();
            selector.close();
        }
    }

    /** Starts an iteration's CPU accounting. */
    @Setup(Level.Iteration)
    public void startIteration() {
        iterationStart = threadTotals();
        iterationFrames = frame;
    }

    /**
     * Prints, per round trip, the CPU time of the server's event loops (the producer's among them), of the viewer
     * fan-out thread and of the other server threads (sessions), and what the event loops allocated: figures that
     * the machine's load disturbs far less than latency percentiles.
     */
    @TearDown(Level.Iteration)
    public void endIteration() {
        long[] end = threadTotals();
        long ops = Math.max(1, frame - iterationFrames);
        System.out.printf("%n[cpu per round trip] event loops %.1f us (%.0f B allocated), viewer fan-out %.1f us,"
                + " sessions and other server threads %.1f us (%d round trips)%n",
                (end[0] - iterationStart[0]) / 1e3 / ops, (double) (end[3] - iterationStart[3]) / ops,
                (end[1] - iterationStart[1]) / 1e3 / ops, (end[2] - iterationStart[2]) / 1e3 / ops, ops);
    }

    /** {@return CPU ns of event loops, viewer fan-out, other server threads; bytes allocated by event loops} */
    private static long[] threadTotals() {
        var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long[] t = new long[4];
        for (Thread th : Thread.getAllStackTraces().keySet()) {
            String n = th.getName();
            long cpu = Math.max(0, mx.getThreadCpuTime(th.getId()));
            if (n.startsWith("multiThreadIoEventLoopGroup")) {
                t[0] += cpu;
                t[3] += Math.max(0, mx.getThreadAllocatedBytes(th.getId()));
            } else if (n.startsWith("streaminfer-viewer")) {
                t[1] += cpu;
            } else if (n.startsWith("streaminfer-")) {
                t[2] += cpu;
            }
        }
        return t;
    }

    /** Stops everything. */
    @TearDown(Level.Trial)
    public void tearDown() {
        for (AutoCloseable c : streams) {
            try {
                c.close();
            } catch (Exception ignored) {
                // already gone
            }
        }
        if (drain != null) {
            try {
                drain.close();
            } catch (java.io.IOException ignored) {
                // closing anyway
            }
        }
        producer.abort();
        server.close();
        model.close();
    }

    /**
     * {@return the reply to one frame}
     *
     * @throws InterruptedException if interrupted
     */
    /** Waits for the producer's next frame time when it is paced; outside the measured round trip. */
    @Setup(Level.Invocation)
    public void pace() {
        if (producerFps > 0) {
            long period = 1_000_000_000L / producerFps;
            long now = System.nanoTime();
            nextSend = Math.max(nextSend + period, now);
            LockSupport.parkNanos(nextSend - now);
        }
    }

    @Benchmark
    public String roundTrip() throws InterruptedException {
        long n = ++frame;
        producer.sendText("{\"type\":\"frame_metadata\",\"frameNumber\":" + n
                + ",\"width\":320,\"height\":240,\"format\":\"jpeg\"}", true);
        producer.sendBinary(ByteBuffer.wrap(jpeg), true);
        return replies.take();
    }

    private static byte[] noise(int w, int h) throws java.io.IOException {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Random r = new Random(7);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, r.nextInt(0x1000000));
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "jpg", out);
        return out.toByteArray();
    }

    /** Hands each reply (detection_result or error) to the benchmark thread; skips feedback. */
    private static final class Text implements WebSocket.Listener {
        private final BlockingQueue<String> to;
        private final StringBuilder text = new StringBuilder();
        private boolean first;

        Text(BlockingQueue<String> to, boolean first) {
            this.to = to;
            this.first = first;
        }

        @Override
        public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                String m = text.toString();
                text.setLength(0);
                if (first || !m.contains("stream_feedback")) {
                    first = false;
                    to.add(m);
                }
            }
            w.request(1);
            return null;
        }
    }

    /** The detector on the transport's frames. */
    private static final class Task implements InferenceTask<DetectionImage, Detections> {
        private final DetectionTask task = DetectionTask.builder(ImageSpec.builder(SIZE, SIZE)
                        .resize(ImageSpec.ResizeMode.LETTERBOX).build())
                .decoder(ImageDecoders.best()).layout(DetectionTask.Layout.XYXY_SCORE_CLASS)
                .labels(List.of("a", "b")).build();
        private final io.github.streaminfer.task.ImageFrame frame = new io.github.streaminfer.task.ImageFrame();

        @Override
        public void bind(ModelSignature model) {
            task.bind(model);
        }

        @Override
        public long[] inputShape(TensorSpec spec) {
            return task.inputShape(spec);
        }

        @Override
        public Detections newOutput() {
            return task.newOutput();
        }

        @Override
        public void preprocess(DetectionImage observation, Tensor[] inputs) {
            task.preprocess(frame.setEncoded(observation.image()), inputs);
        }

        @Override
        public void decode(Tensor[] outputs, Detections into) {
            task.decode(outputs, into);
        }

        @Override
        public void close() {
            task.close();
        }
    }
}
