package io.github.streaminfer.backend.remote;

import io.github.streaminfer.backend.LoadedModel;
import io.github.streaminfer.backend.ModelOptions;
import io.github.streaminfer.backend.ModelSource;
import io.github.streaminfer.backend.onnx.OnnxBackend;
import io.github.streaminfer.session.IngressPolicy;
import io.github.streaminfer.session.LatencySnapshot;
import io.github.streaminfer.session.SessionConfig;
import io.github.streaminfer.session.SessionStats;
import io.github.streaminfer.session.Stage;
import io.github.streaminfer.session.StreamingInferenceSession;
import io.github.streaminfer.task.FloatArrayTask;
import io.github.streaminfer.task.FloatVector;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Side by side: one session over the synthetic {@code tiny_mlp} run in process by ONNX Runtime, and one each over
 * the same model served on loopback by the Python Open Inference Protocol server, over gRPC and over REST. Frames
 * go one at a time (submit, wait for the result, submit the next), so each latency is one frame's alone. Prints
 * p50/p99 per stage and the remote overhead per frame (remote minus local end-to-end). Run it with
 * {@code backend-remote/bench/remote-vs-local.sh [frames] [warmup]}; not a test.
 *
 * <p><b>Note:</b> single-threaded driver.
 */
public final class RemoteVsLocalBench {
    private RemoteVsLocalBench() {
    }

    /**
     * Runs the comparison.
     *
     * @param args {@code [frames] [warmup]}: measured and discarded frames per backend (defaults 2000 and 200)
     * @throws Exception if the server or a model cannot start
     */
    public static void main(String[] args) throws Exception {
        int frames = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
        int warmup = args.length > 1 ? Integer.parseInt(args[1]) : 200;
        ModelSource model = ModelSource.ofBytes(OipTestServer.MODEL + ".onnx", OipTestServer.MLP.bytes());
        Map<String, SessionStats> results = new LinkedHashMap<>();
        try (OipTestServer server = OipTestServer.start()) {
            try (LoadedModel local = new OnnxBackend().load(model, ModelOptions.DEFAULT)) {
                results.put("local onnx", run(local, frames, warmup));
            }
            for (String endpoint : new String[] {server.grpcEndpoint(), server.httpEndpoint()}) {
                RemoteBackend backend = new RemoteBackend(RemoteConfig.builder().endpoint(endpoint)
                        .deadline(Duration.ofSeconds(5)).build());
                try (LoadedModel remote = backend.load(model, ModelOptions.DEFAULT)) {
                    results.put(endpoint.startsWith("grpc") ? "remote grpc" : "remote rest", run(remote, frames,
                            warmup));
                }
            }
        }
        print(results, frames);
    }

    /** A discarded session of {@code warmup} frames, then a measured one of {@code frames}. */
    private static SessionStats run(LoadedModel model, int frames, int warmup) throws InterruptedException {
        session(model, warmup);
        return session(model, frames);
    }

    private static SessionStats session(LoadedModel model, int frames) throws InterruptedException {
        AtomicLong done = new AtomicLong();
        Random random = new Random(1);
        try (StreamingInferenceSession<float[], FloatVector> s = StreamingInferenceSession
                .builder(model, FloatArrayTask.firstInputOutput())
                .config(SessionConfig.DEFAULT.toBuilder().name(model.backendId())
                        .ingress(IngressPolicy.rejectNewest(4)).build())
                .listener(r -> done.incrementAndGet())
                .build()) {
            for (int i = 0; i < frames; i++) {
                long target = done.get() + 1;
                s.submit(Frames.observation(random));
                while (done.get() < target) {
                    Thread.onSpinWait();
                }
            }
            return s.stats();
        }
    }

    private static void print(Map<String, SessionStats> results, int frames) {
        System.out.printf(Locale.ROOT, "tiny_mlp, %d frames each, one in flight, loopback%n", frames);
        System.out.printf(Locale.ROOT, "%-12s %8s %8s %8s %8s %8s %8s %7s%n", "backend", "e2e p50", "e2e p99",
                "infer p50", "infer p99", "net p50", "net p99", "failed");
        LatencySnapshot base = results.get("local onnx").latency(Stage.END_TO_END);
        for (Map.Entry<String, SessionStats> e : results.entrySet()) {
            SessionStats st = e.getValue();
            LatencySnapshot e2e = st.latency(Stage.END_TO_END);
            LatencySnapshot inf = st.latency(Stage.INFERENCE);
            LatencySnapshot net = st.latency(Stage.NETWORK);
            System.out.printf(Locale.ROOT, "%-12s %8s %8s %8s %8s %8s %8s %7d%n", e.getKey(), us(e2e.p50Nanos()),
                    us(e2e.p99Nanos()), us(inf.p50Nanos()), us(inf.p99Nanos()),
                    net.count() == 0 ? "-" : us(net.p50Nanos()), net.count() == 0 ? "-" : us(net.p99Nanos()),
                    st.failed());
        }
        for (Map.Entry<String, SessionStats> e : results.entrySet()) {
            if (!e.getKey().equals("local onnx")) {
                LatencySnapshot e2e = e.getValue().latency(Stage.END_TO_END);
                System.out.printf(Locale.ROOT, "overhead per frame, %s vs local: p50 %s us, p99 %s us%n",
                        e.getKey(), us(e2e.p50Nanos() - base.p50Nanos()), us(e2e.p99Nanos() - base.p99Nanos()));
            }
        }
    }

    private static String us(long nanos) {
        return String.format(Locale.ROOT, "%.1f", nanos / 1e3);
    }
}
