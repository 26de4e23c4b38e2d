package io.github.streaminfer.server;

import io.github.streaminfer.action.SafetyConfig;
import io.github.streaminfer.backend.LoadedModel;
import io.github.streaminfer.backend.NativeLoaderThread;
import io.github.streaminfer.image.ImageSpec;
import io.github.streaminfer.session.IngressPolicy;
import io.github.streaminfer.session.ResultListener;
import io.github.streaminfer.session.SessionConfig;
import io.github.streaminfer.session.StreamingInferenceSession;
import io.github.streaminfer.session.WorkerPool;
import io.github.streaminfer.task.ActionChunk;
import io.github.streaminfer.task.Activation;
import io.github.streaminfer.task.Classification;
import io.github.streaminfer.task.DetectionTask;
import io.github.streaminfer.task.Detections;
import io.github.streaminfer.task.InferenceTask;
import io.github.streaminfer.task.PolicyTask;
import io.github.streaminfer.task.SignalWindowTask;
import io.github.streaminfer.time.NanoClock;
import io.github.streaminfer.transport.AccessPolicy;
import io.github.streaminfer.transport.ActionEncoder;
import io.github.streaminfer.transport.ControlledActionEncoder;
import io.github.streaminfer.transport.EventLoops;
import io.github.streaminfer.transport.PolicyAdapters;
import io.github.streaminfer.transport.ServerLimits;
import io.github.streaminfer.transport.SessionFactory;
import io.github.streaminfer.transport.SessionRequest;
import io.github.streaminfer.transport.SessionRegistry;
import io.github.streaminfer.transport.StreamingServer;
import io.github.streaminfer.transport.Tier;
import io.github.streaminfer.transport.detection.DetectionEncoder;
import io.github.streaminfer.transport.detection.DetectionEndpoint;
import io.github.streaminfer.transport.detection.DetectionImage;
import io.github.streaminfer.transport.detection.DetectionSettings;
import io.github.streaminfer.transport.openpi.OpenPiEndpoint;
import io.github.streaminfer.transport.openpi.OpenPiObservation;
import io.github.streaminfer.transport.signal.ClassificationEncoder;
import io.github.streaminfer.transport.signal.SignalEndpoint;
import io.github.streaminfer.transport.vla.VlaEndpoint;
import io.github.streaminfer.transport.vla.VlaFrame;

import java.io.File;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;

/**
 * Runs a {@link StreamingServer} from the command line with every endpoint mounted: the VLA WebSocket and the
 * openpi-compatible WebSocket on a policy, the detection WebSocket and REST + SSE API on a detector, and the signal
 * SSE stream on an EMG classifier. Without {@code --model} the policy is a synthetic ONNX model (image
 * {@code [1,3,96,96]} + state {@code [1,12]} → action {@code [1,7]}) written at start; the detector and the EMG
 * classifier are always synthetic. {@link ServerOptions#USAGE} lists the options.
 *
 * <p>Start-up: native libraries (OpenCV, the backend's runtime) load and models are created on a
 * {@link NativeLoaderThread}, whose large stack does not depend on the main thread's {@code -Xss}; every endpoint's
 * path is then warmed once; each new session runs {@code --warmup} synthetic frames through its whole path before
 * it reports ready. Warm-up frames never appear in a client's statistics. The server prints the image decoder,
 * the backend and its threads, then "ready".
 *
 * <p><b>Note:</b> {@link #main} blocks the calling thread until SIGTERM/SIGINT; a shutdown hook closes the server
 * gracefully (accepted frames finish, clients get final stats and close 1001).
 */
public final class StreamingServerMain {
    static final String LOG_PREFIX = "streaminfer-server: ";
    /**
     * VLA frames, and signal stream events, sent over loopback at start per {@code --warmup} frame of a session (see
     * {@link NetworkWarmup}).
     */
    static final int NETWORK_WARMUP_FACTOR = 100;
    /** Signal streams run at once during the loopback warm-up. */
    static final int SIGNAL_WARMUP_STREAMS = 3;
    /** The longest the loopback warm-up may take. */
    static final Duration NETWORK_WARMUP_DEADLINE = Duration.ofSeconds(20);
    /** Whole-path frames per endpoint at start, per {@code --warmup} frame of a session. */
    private static final int START_WARMUP_FACTOR = 5;

    private StreamingServerMain() {
    }

    /**
     * Parses the command line, starts the server and blocks until the JVM is asked to stop.
     *
     * @param args command line, see {@link ServerOptions#USAGE}
     * @throws InterruptedException if the main thread is interrupted while it waits
     */
    public static void main(String[] args) throws InterruptedException {
        ServerOptions o;
        try {
            o = ServerOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            System.err.println(ServerOptions.USAGE);
            System.exit(2);
            return;
        }
        if (o.help) {
            System.out.println(ServerOptions.USAGE);
            return;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Running r;
        try {
            r = start(o, System.out, System.err);
        } catch (RuntimeException e) {
            System.err.println("error: " + e.getMessage());
            System.exit(1);
            return;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println(LOG_PREFIX + "shutting down, finishing in-flight frames");
            ClusterSupport.drainThenClose(r, Duration.ofSeconds(o.drainSeconds), System.out);
            System.out.println(LOG_PREFIX + "stopped");
            stopped.countDown();
        }, "streaminfer-shutdown"));
        stopped.await();
    }

    /**
     * A started server and what it owns.
     *
     * @param server the server
     * @param pool   the inference workers its sessions share
     * @param loops  the event loops shared by the server and the pool, or null when the server owns its own
     * @param models the models it serves
     * @param registry where its sessions are counted and announced
     */
    record Running(StreamingServer server, WorkerPool pool, EventLoops loops, List<LoadedModel> models,
                   SessionRegistry registry) implements AutoCloseable {
        @Override
        public void close() {
            server.close();
            registry.close();
            pool.close();
            if (loops != null) {
                loops.close();
            }
            for (LoadedModel m : models) {
                m.close();
            }
        }
    }

    /**
     * As {@link #start(ServerOptions, PrintStream, PrintStream)}, with a backend fallback line on
     * {@code System.err}.
     *
     * @param o   options
     * @param log where to print
     * @return the running server
     */
    static Running start(ServerOptions o, PrintStream log) {
        return start(o, log, System.err);
    }

    /**
     * Loads the models, warms every endpoint, binds, and prints the decoder, backend, threads and endpoint URLs.
     *
     * @param o   options
     * @param log where to print
     * @param err where the line goes that says {@code --backend} is unavailable and the server runs on onnx
     * @return the running server
     */
    static Running start(ServerOptions o, PrintStream log, PrintStream err) {
        AccessPolicy access = access(o.apiKeys, o.allowedOrigins);
        ServerModels models = NativeLoaderThread.call("streaminfer-loader", () -> ServerModels.load(o, log, err));
        EventLoops loops = o.inferenceOnEventLoops ? EventLoops.create(o.ioThreads) : null;
        WorkerPool pool = loops != null ? WorkerPool.onExecutors("streaminfer-sessions", loops.executors())
                : WorkerPool.create("streaminfer-sessions", o.workers);
        SessionRegistry registry = null;
        try {
            ServerLimits limits = o.maxConnectionsPerAddress > 0 ? ServerLimits.DEFAULT.toBuilder()
                    .maxConnectionsPerAddress(o.maxConnectionsPerAddress).build() : ServerLimits.DEFAULT;
            WarmupFrames warmupFrames = new WarmupFrames(models.shape());
            Endpoints e = new Endpoints(models, limits, pool, o.warmup, warmupFrames);
            long warmNanos = 0;
            int networkFrames = 0;
            int signalEvents = 0;
            if (o.warmup > 0) {
                long t0 = System.nanoTime();
                NativeLoaderThread.run("streaminfer-warmup", () -> e.warmEveryPath(o.warmup * START_WARMUP_FACTOR));
                // two rounds: closing the first throwaway server takes shutdown branches the compiled event-loop
                // code never saw, which throws that code away; the second round compiles it again with those
                // branches in, so closing the second one (and the real server's first client) costs nothing
                String warmupKey = NetworkWarmup.newKey();
                for (int round = 0; round < 2; round++) {
                    try (StreamingServer loopback = e.mount(io(StreamingServer.builder().host("127.0.0.1").port(0)
                            .access(NetworkWarmup.access(warmupKey)).limits(limits), o, loops), o, false)) {
                        int frames = o.warmup * NETWORK_WARMUP_FACTOR / (round == 0 ? 1 : 4);
                        // signal streams beside the VLA frames: a stream ticks at most 1000 times a second, so
                        // several at once give its path the calls the JIT needs in the time the frames take
                        List<CompletableFuture<Integer>> streams = new ArrayList<>();
                        for (int k = 0; k < SIGNAL_WARMUP_STREAMS; k++) {
                            streams.add(CompletableFuture.supplyAsync(() -> NetworkWarmup.runSignalStream(loopback,
                                    warmupKey, frames, NETWORK_WARMUP_DEADLINE)));
                        }
                        networkFrames += NetworkWarmup.run(loopback, warmupKey, warmupFrames.jpeg(),
                                models.shape().stateLength, frames, NETWORK_WARMUP_DEADLINE);
                        for (CompletableFuture<Integer> f : streams) {
                            signalEvents += f.join();
                        }
                    }
                }
                NetworkWarmup.awaitQuietCompiler(Duration.ofMillis(300), Duration.ofSeconds(10));
                warmNanos = System.nanoTime() - t0;
            }
            registry = ClusterSupport.registry(o, log);
            StreamingServer server = e.mount(io(StreamingServer.builder().host(o.host).port(o.port).access(access)
                    .limits(limits).sessionRegistry(registry), o, loops), o, true);
            ClusterSupport.advertiseBound(registry, o, server, log);
            PolicyShape shape = models.shape();
            log.println(LOG_PREFIX + "image decoder: " + models.decoder());
            log.println(LOG_PREFIX + "backend '" + models.backend().id() + "' (" + models.backend().description()
                    + (models.choice().fellBack() ? "; '" + models.choice().asked() + "' is unavailable" : "")
                    + "), policy '" + models.policyName() + "' (" + shape + ")");
            log.println(LOG_PREFIX + "signal backends (/infer/{backend}, /benchmark): " + models.backend().id()
                    + (models.emgOthers().loaded().isEmpty() ? "" : ", "
                    + String.join(", ", models.emgOthers().loaded().keySet()))
                    + (models.emgOthers().unavailable().isEmpty() ? "" : "; unavailable: "
                    + String.join(", ", models.emgOthers().unavailable().keySet())));
            log.println(LOG_PREFIX + "threads: " + o.ioThreads + " event loop" + (o.ioThreads == 1 ? "" : "s") + ", "
                    + (loops != null ? "inferring on the event loops" : o.workers + " inference worker"
                    + (o.workers == 1 ? "" : "s")) + " (" + cores() + " cores)");
            log.println(LOG_PREFIX + (o.warmup == 0 ? "warm-up: off" : String.format(java.util.Locale.ROOT,
                    "warm-up: %d frames per new session; every endpoint warmed with %d frames, and %d VLA frames "
                            + "over loopback and %d signal stream events over SSE, at start (%.0f ms)",
                    o.warmup, o.warmup * START_WARMUP_FACTOR, networkFrames, signalEvents, warmNanos / 1e6)));
            if (o.apiKeys.isEmpty()) {
                log.println(LOG_PREFIX + "WARNING no --api-key given: the server is open to every client");
            }
            log.println(LOG_PREFIX + "listening; endpoints:");
            for (String u : server.endpointUrls()) {
                log.println("  " + u);
            }
            log.println(LOG_PREFIX + "ready");
            return new Running(server, pool, loops, models.all(), registry);
        } catch (RuntimeException ex) {
            if (registry != null) {
                registry.close();
            }
            pool.close();
            if (loops != null) {
                loops.close();
            }
            models.all().forEach(LoadedModel::close);
            throw ex;
        }
    }

    /** Puts the server on the shared event loops, or gives it {@code o.ioThreads} loops of its own. */
    private static StreamingServer.Builder io(StreamingServer.Builder b, ServerOptions o, EventLoops loops) {
        return loops != null ? b.eventLoops(loops) : b.ioThreads(o.ioThreads);
    }

    private static int cores() {
        return Runtime.getRuntime().availableProcessors();
    }

    static AccessPolicy access(List<String> apiKeys, List<String> origins) {
        AccessPolicy.Builder access = AccessPolicy.builder();
        origins.forEach(access::allowOrigin);
        for (String k : apiKeys) {
            int colon = k.lastIndexOf(':');
            Tier tier = Tier.ENTERPRISE;
            String key = k;
            if (colon > 0) {
                String t = k.substring(colon + 1);
                Tier parsed = t.equals("free") ? Tier.FREE : t.equals("pro") ? Tier.PRO
                        : t.equals("enterprise") ? Tier.ENTERPRISE : null;
                if (parsed != null) {
                    tier = parsed;
                    key = k.substring(0, colon);
                }
            }
            access.apiKey(key, tier);
        }
        return access.build();
    }

    /** The sessions behind each endpoint: tasks, session settings and warm-up frames. */
    private static final class Endpoints {
        private final ServerModels models;
        private final ServerLimits limits;
        private final WorkerPool pool;
        private final int warmup;
        private final WarmupFrames frames;

        Endpoints(ServerModels models, ServerLimits limits, WorkerPool pool, int warmup, WarmupFrames frames) {
            this.models = models;
            this.limits = limits;
            this.pool = pool;
            this.warmup = warmup;
            this.frames = frames;
        }

        StreamingInferenceSession<VlaFrame, ActionChunk> vla(String name, int warm, ResultListener<ActionChunk> l) {
            return session(models.policy(), PolicyAdapters.vla(policyTask()), name, l, IngressPolicy.LATEST_ONLY,
                    warm, frames.vla());
        }

        StreamingInferenceSession<OpenPiObservation, ActionChunk> openPi(String name, int warm,
                ResultListener<ActionChunk> l) {
            return session(models.policy(), PolicyAdapters.openPi(policyTask(), List.of("observation/image"),
                    "observation/state", "prompt"), name, l, IngressPolicy.rejectNewest(2), warm, frames.openPi());
        }

        StreamingInferenceSession<DetectionImage, Detections> detection(String name, int warm, double confidence,
                double iou, int maxDetections, boolean track, ResultListener<Detections> l) {
            DetectionTask.Builder b = DetectionTask.builder(ImageSpec.builder(SyntheticServerModels.DETECTOR_SIZE,
                            SyntheticServerModels.DETECTOR_SIZE).resize(ImageSpec.ResizeMode.LETTERBOX)
                            .maxPixels(limits.maxImagePixels()).build())
                    .decoder(ServerDecoders.create())
                    .layout(DetectionTask.Layout.XYXY_SCORE_CLASS)
                    .labels(List.of("crack", "pothole"))
                    .confidenceThreshold((float) Math.min(confidence, 1.0))
                    .iouThreshold((float) iou)
                    .maxDetections(maxDetections);
            if (track) {
                b.track(0.3f, 5);
            }
            return session(models.detector(), new DetectorAdapter(b.build()), name, l, IngressPolicy.rejectNewest(4),
                    warm, frames.detection());
        }

        StreamingInferenceSession<float[], Classification> emg(String name, int warm, boolean normalise,
                ResultListener<Classification> l) {
            return emg(models.emg(), name, warm, normalise, l);
        }

        StreamingInferenceSession<float[], Classification> emg(LoadedModel model, String name, int warm,
                boolean normalise, ResultListener<Classification> l) {
            SignalWindowTask task = SignalWindowTask.builder(SyntheticServerModels.EMG_CHANNELS,
                            SyntheticServerModels.EMG_WINDOW, SyntheticServerModels.EMG_WINDOW)
                    .layout(SignalWindowTask.Layout.CHANNELS_FIRST)
                    .normalization(normalise ? SignalWindowTask.Normalization.ZSCORE
                            : SignalWindowTask.Normalization.NONE)
                    .activation(Activation.SOFTMAX).topK(3).build();
            return session(model, task, name, l, IngressPolicy.LATEST_ONLY, warm, frames.emg());
        }

        /** Runs {@code n} whole-path frames through a throwaway session of every endpoint, for the JIT. */
        void warmEveryPath(int n) {
            vla("warmup-vla", n, r -> { }).close();
            openPi("warmup-openpi", n, r -> { }).close();
            detection("warmup-detection", n, 0.5, 0.45, 50, true, r -> { }).close();
            emg("warmup-emg", n, true, r -> { }).close();
        }

        StreamingServer mount(StreamingServer.Builder b, ServerOptions o, boolean tls) {
            String backendId = models.backend().id();
            String policyName = models.policyName();
            PolicyShape shape = models.shape();
            SessionFactory<VlaFrame, ActionChunk> vla = SessionFactory.named(backendId, policyName,
                    (req, l) -> vla(name(req), warmup, l));
            SessionFactory<OpenPiObservation, ActionChunk> openpi = SessionFactory.named(backendId, policyName,
                    (req, l) -> openPi(name(req), warmup, l));
            SessionFactory<DetectionImage, Detections> det = SessionFactory.named(backendId, "synthetic-detector",
                    (req, l) -> detection(name(req), warmup, req.number("confidence_threshold", 0.5),
                            req.number("iou_threshold", 0.45), (int) req.number("max_detections", 50),
                            req.flag("enable_tracking", true), l));
            Map<String, SessionFactory<float[], Classification>> signalBackends = new LinkedHashMap<>();
            signalBackends.put(backendId, SessionFactory.named(backendId, "synthetic-emg",
                    (req, l) -> emg(name(req), warmup, req.flag("preprocess", true), l)));
            models.emgOthers().loaded().forEach((id, m) -> signalBackends.put(id, SessionFactory.named(id,
                    "synthetic-emg", (req, l) -> emg(m, name(req), warmup, req.flag("preprocess", true), l))));
            models.emgOthers().unavailable().forEach((id, cause) -> signalBackends.put(id,
                    SessionFactory.unavailable(id, "synthetic-emg", cause)));

            Map<String, Object> meta = new LinkedHashMap<>();
            meta.put("server", "streaminfer");
            meta.put("model", policyName);
            meta.put("backend", backendId);
            meta.put("action_horizon", shape.horizon);
            meta.put("action_dim", shape.dim);
            Map<String, Object> obsSpec = new LinkedHashMap<>();
            obsSpec.put("observation/image", Map.of("dtype", "|u1", "shape", List.of(shape.height, shape.width, 3)));
            obsSpec.put("observation/state", Map.of("dtype", "<f4", "shape", List.of(shape.stateLength)));
            obsSpec.put("prompt", Map.of("dtype", "str"));
            meta.put("observation", obsSpec);

            b.vla(VlaEndpoint.of(vla, new ControlledActionEncoder(SafetyConfig.DEFAULT, Duration.ofMillis(20),
                            NanoClock.SYSTEM)).withMaxStateLength(shape.stateLength))
                    .detection(new DetectionEndpoint<>(det, DetectionEncoder.detections(), null,
                            DetectionSettings.DEFAULT, 64))
                    .signal(SignalEndpoint.synthetic(signalBackends, ClassificationEncoder.classification(1, 7))
                            .interleavedBlocks())
                    .openPi(new OpenPiEndpoint<>("/", openpi, ActionEncoder.actionChunk(), meta));
            if (tls && o.tlsCert != null) {
                b.tls(new File(o.tlsCert), new File(o.tlsKey));
            }
            return b.start();
        }

        private PolicyTask policyTask() {
            PolicyShape shape = models.shape();
            PolicyTask.Builder b = PolicyTask.builder()
                    .image(shape.image, ImageSpec.builder(shape.width, shape.height)
                            .maxPixels(limits.maxImagePixels()).build())
                    .state(shape.state).action(shape.action).decoder(ServerDecoders.create());
            if (shape.instruction != null) {
                b.instruction(shape.instruction);
            }
            return b.build();
        }

        private static String name(SessionRequest req) {
            return req.endpoint() + "-" + req.sessionId();
        }

        private <I, O> StreamingInferenceSession<I, O> session(LoadedModel model, InferenceTask<I, O> task,
                String name, ResultListener<O> listener, IngressPolicy ingress, int warm, I warmupObservation) {
            SessionConfig cfg = SessionConfig.DEFAULT.toBuilder().name(name).ingress(ingress).warmupIterations(warm)
                    .build();
            StreamingInferenceSession.Builder<I, O> b = StreamingInferenceSession.builder(model, task).config(cfg)
                    .listener(listener).workerPool(pool);
            if (warm > 0) {
                b.warmupObservation(warmupObservation);
            }
            return b.build();
        }
    }
}
