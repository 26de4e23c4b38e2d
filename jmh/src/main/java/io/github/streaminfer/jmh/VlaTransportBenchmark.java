package io.github.streaminfer.jmh;

import io.github.streaminfer.backend.Backends;
import io.github.streaminfer.backend.LoadedModel;
import io.github.streaminfer.backend.ModelOptions;
import io.github.streaminfer.backend.ModelSource;
import io.github.streaminfer.image.ImageDecoders;
import io.github.streaminfer.image.ImageSpec;
import io.github.streaminfer.session.IngressPolicy;
import io.github.streaminfer.session.ResultListener;
import io.github.streaminfer.session.SessionConfig;
import io.github.streaminfer.session.StreamingInferenceSession;
import io.github.streaminfer.synthetic.SyntheticModels;
import io.github.streaminfer.task.ActionChunk;
import io.github.streaminfer.task.InferenceTask;
import io.github.streaminfer.task.PolicyTask;
import io.github.streaminfer.transport.ActionEncoder;
import io.github.streaminfer.transport.PolicyAdapters;
import io.github.streaminfer.transport.StreamingServer;
import io.github.streaminfer.transport.vla.VlaEndpoint;
import io.github.streaminfer.transport.vla.VlaFrame;
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

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.util.Base64;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.TimeUnit;

/**
 * One VLA frame's round trip on the same synthetic ONNX policy, side by side: {@code inprocess} submits a
 * {@link VlaFrame} to a session and waits for its result; {@code websocket} sends the seed's {@code frame} JSON over a
 * loopback WebSocket and waits for the {@code action} message. The difference is what the transport adds.
 *
 * <pre>
 * java -jar jmh/target/benchmarks.jar VlaTransportBenchmark -f 1 -wi 3 -w 5s -i 5 -r 10s
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 5)
@Measurement(iterations = 5, time = 10)
public class VlaTransportBenchmark {

    /** Which path. */
    @Param({"inprocess", "websocket"})
    public String path;

    private LoadedModel model;
    private StreamingServer server;
    private StreamingInferenceSession<VlaFrame, ActionChunk> session;
    private WebSocket ws;
    private final SynchronousQueue<Boolean> done = new SynchronousQueue<>();
    private VlaFrame frame;
    private String frameJson;

    private InferenceTask<VlaFrame, ActionChunk> task() {
        return PolicyAdapters.vla(PolicyTask.builder().image("image", ImageSpec.builder(32, 32).build())
                .state("state").decoder(ImageDecoders.best()).build());
    }

    /**
     * Loads the model and starts the chosen path.
     *
     * @throws Exception on failure
     */
    @Setup(Level.Trial)
    public void setUp() throws Exception {
        model = Backends.require("onnx").load(ModelSource.ofBytes("bench-policy.onnx",
                new SyntheticModels.Policy(32, 32, 12, 1, 0).bytes()), ModelOptions.DEFAULT);
        byte[] jpeg = VlaLoadTool.jpeg();
        frame = new VlaFrame(ByteBuffer.wrap(jpeg), "jpeg", 32, 32, "pick", new float[]{0.3f, 0, 0.5f, 0, 0, 0},
                new float[6]);
        frameJson = "{\"type\":\"frame\",\"image\":\"data:image/jpeg;base64,"
                + Base64.getEncoder().encodeToString(jpeg) + "\",\"instruction\":\"pick\",\"robot_state\":"
                + "{\"pose\":[0.3,0,0.5,0,0,0],\"velocity\":[0,0,0,0,0,0]}}";
        if (path.equals("inprocess")) {
            session = StreamingInferenceSession.builder(model, task())
                    .config(SessionConfig.DEFAULT.toBuilder().ingress(IngressPolicy.LATEST_ONLY).build())
                    .listener(r -> {
                        try {
                            done.put(Boolean.TRUE);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }).build();
            return;
        }
        server = StreamingServer.builder().host("127.0.0.1").port(0)
                .vla(VlaEndpoint.of((req, l) -> StreamingInferenceSession.builder(model, task())
                        .config(SessionConfig.DEFAULT.toBuilder().ingress(IngressPolicy.LATEST_ONLY).build())
                        .listener(l).build(), ActionEncoder.actionChunk())).start();
        ws = HttpClient.newHttpClient().newWebSocketBuilder().buildAsync(URI.create("ws://127.0.0.1:"
                + server.port() + "/v1/stream"), new WebSocket.Listener() {
                    private final StringBuilder text = new StringBuilder();

                    @Override
                    public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
                        text.append(data);
                        if (last) {
                            String m = text.toString();
                            text.setLength(0);
                            if (m.startsWith("{\"type\":\"action\"") || m.startsWith("{\"type\":\"connected\"")) {
                                try {
                                    done.put(Boolean.TRUE);
                                } catch (InterruptedException e) {
                                    Thread.currentThread().interrupt();
                                }
                            }
                        }
                        w.request(1);
                        return null;
                    }
                }).get(10, TimeUnit.SECONDS);
        ws.sendText("{\"type\":\"auth\",\"target_fps\":1000}", true).join();
        done.take();
    }

    /** Closes everything. */
    @TearDown(Level.Trial)
    public void tearDown() {
        if (ws != null) {
            ws.abort();
        }
        if (server != null) {
            server.close();
        }
        if (session != null) {
            session.close();
        }
        model.close();
    }

    /**
     * @return true when the action arrived
     * @throws InterruptedException if interrupted
     */
    @Benchmark
    public boolean roundTrip() throws InterruptedException {
        if (session != null) {
            session.submit(frame);
        } else {
            ws.sendText(frameJson, true).join();
        }
        return done.take();
    }
}
