package io.github.streaminfer.transport.server;

import io.github.streaminfer.action.SafetyConfig;
import io.github.streaminfer.backend.Backends;
import io.github.streaminfer.backend.InferenceBackend;
import io.github.streaminfer.backend.LoadedModel;
import io.github.streaminfer.backend.ModelOptions;
import io.github.streaminfer.backend.ModelSource;
import io.github.streaminfer.image.ImageDecoders;
import io.github.streaminfer.image.ImageSpec;
import io.github.streaminfer.session.IngressPolicy;
import io.github.streaminfer.session.ResultListener;
import io.github.streaminfer.session.SessionConfig;
import io.github.streaminfer.session.StreamingInferenceSession;
import io.github.streaminfer.session.WorkerPool;
import io.github.streaminfer.task.ActionChunk;
import io.github.streaminfer.task.DetectionTask;
import io.github.streaminfer.task.Detections;
import io.github.streaminfer.task.Activation;
import io.github.streaminfer.task.Classification;
import io.github.streaminfer.task.InferenceTask;
import io.github.streaminfer.task.PolicyTask;
import io.github.streaminfer.task.SignalWindowTask;
import io.github.streaminfer.tensor.DType;
import io.github.streaminfer.tensor.TensorSpec;
import io.github.streaminfer.time.NanoClock;
import io.github.streaminfer.transport.AccessPolicy;
import io.github.streaminfer.transport.ActionEncoder;
import io.github.streaminfer.transport.ClassificationEncoder;
import io.github.streaminfer.transport.ControlledActionEncoder;
import io.github.streaminfer.transport.DetectionEncoder;
import io.github.streaminfer.transport.DetectionEndpoint;
import io.github.streaminfer.transport.DetectionSettings;
import io.github.streaminfer.transport.ImageFrame;
import io.github.streaminfer.transport.OpenPiEndpoint;
import io.github.streaminfer.transport.OpenPiObservation;
import io.github.streaminfer.transport.PolicyAdapters;
import io.github.streaminfer.transport.ServerLimits;
import io.github.streaminfer.transport.SessionFactory;
import io.github.streaminfer.transport.SessionRequest;
import io.github.streaminfer.transport.SignalEndpoint;
import io.github.streaminfer.transport.StreamingServer;
import io.github.streaminfer.transport.Tier;
import io.github.streaminfer.transport.VlaEndpoint;
import io.github.streaminfer.transport.VlaFrame;

import java.io.File;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.function.Supplier;

/**
 * Runs a {@link StreamingServer} from the command line with every endpoint mounted: the VLA WebSocket and the
 * openpi-compatible WebSocket on a policy, the detection WebSocket and REST + SSE API on a detector, and the signal
 * SSE stream on an EMG classifier. Without {@code --model} the policy is a synthetic ONNX model (image
 * {@code [1,3,96,96]} + state {@code [1,12]} → action {@code [1,7]}) written at start by testkit's ONNX writer; the
 * detector and the EMG classifier are always synthetic.
 *
 * <pre>
 * streaminfer-server [--port 8000] [--host 127.0.0.1] [--backend onnx] [--model policy.onnx]
 *                    [--image-input NAME] [--state-input NAME] [--instruction-input NAME] [--action-output NAME]
 *                    [--image-size WxH] [--api-key KEY[:tier]]... [--tls-cert cert.pem --tls-key key.pem]
 * </pre>
 *
 * <p><b>Note:</b> blocks the calling thread until SIGTERM/SIGINT; a shutdown hook closes the server gracefully
 * (accepted frames finish, clients get final stats and close 1001).
 */
public final class StreamingServerMain {
    private static final String USAGE = String.join("\n",
            "usage: streaminfer-server [options]",
            "  --port N                 port (default 8000; 0 = any free port)",
            "  --host ADDR              address to bind (default 127.0.0.1)",
            "  --backend ID             inference backend (default onnx)",
            "  --model PATH             ONNX policy: image [1,3,H,W] float + state [1,S] float (+ optional int64",
            "                           instruction [1,L]) -> action [1,D] or chunk [1,H,D]; default: a synthetic one",
            "  --image-input NAME       override the image input (default: the 4-d float input)",
            "  --state-input NAME       override the state input (default: the 2-d float input)",
            "  --instruction-input NAME override the instruction input (default: the int64 input, if any)",
            "  --action-output NAME     override the action output (default: the first output)",
            "  --image-size WxH         image size when the model's image input has dynamic dimensions",
            "  --api-key KEY[:TIER]     API key, repeatable; TIER = free|pro|enterprise (default enterprise).",
            "                           Without any key the server is open to every client.",
            "  --tls-cert PEM           certificate chain for TLS (with --tls-key)",
            "  --tls-key PEM            PKCS#8 private key for TLS",
            "  --help                   this text");

    private StreamingServerMain() {
    }

    /**
     * @param args command line
     * @throws Exception if the server cannot start
     */
    public static void main(String[] args) throws Exception {
        Options o;
        try {
            o = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            System.err.println(USAGE);
            System.exit(2);
            return;
        }
        if (o.help) {
            System.out.println(USAGE);
            return;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Running r;
        try {
            r = start(o, System.out);
        } catch (RuntimeException e) {
            System.err.println("error: " + e.getMessage());
            System.exit(1);
            return;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("streaminfer-server: shutting down, finishing in-flight frames");
            r.close();
            System.out.println("streaminfer-server: stopped");
            stopped.countDown();
        }, "streaminfer-shutdown"));
        stopped.await();
    }

    /** A started server and what it owns. */
    record Running(StreamingServer server, WorkerPool pool, List<LoadedModel> models) implements AutoCloseable {
        @Override
        public void close() {
            server.close();
            pool.close();
            for (LoadedModel m : models) {
                m.close();
            }
        }
    }

    /**
     * Builds and starts the server the options describe, printing every endpoint URL.
     *
     * @param o   options
     * @param log where to print
     * @return the running server
     */
    static Running start(Options o, PrintStream log) {
        AccessPolicy.Builder access = AccessPolicy.builder();
        for (String k : o.apiKeys) {
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
        InferenceBackend backend = Backends.require(o.backend);
        List<LoadedModel> models = new ArrayList<>();
        LoadedModel policy;
        String modelName;
        if (o.model != null) {
            policy = backend.load(ModelSource.of(Path.of(o.model)), ModelOptions.DEFAULT);
            modelName = Path.of(o.model).getFileName().toString();
        } else {
            policy = backend.load(ModelSource.ofBytes("synthetic-policy.onnx",
                    Synthetic.policy().bytes()), ModelOptions.DEFAULT);
            modelName = "synthetic-policy";
            log.println("streaminfer-server: no --model given; serving a synthetic policy (image [1,3,96,96] + state "
                    + "[1,12] -> action [1,7]) generated at start");
        }
        models.add(policy);
        PolicyShape shape = PolicyShape.of(policy, o);
        LoadedModel detector = backend.load(ModelSource.ofBytes("synthetic-detector.onnx", Synthetic.detector()),
                ModelOptions.DEFAULT);
        models.add(detector);
        LoadedModel emg = backend.load(ModelSource.ofBytes("synthetic-emg.onnx", Synthetic.emg()),
                ModelOptions.DEFAULT);
        models.add(emg);
        WorkerPool pool = WorkerPool.create("streaminfer-sessions",
                Math.max(1, Runtime.getRuntime().availableProcessors()));
        ServerLimits limits = ServerLimits.DEFAULT;

        Supplier<PolicyTask> policyTask = () -> {
            PolicyTask.Builder b = PolicyTask.builder()
                    .image(shape.image, ImageSpec.builder(shape.width, shape.height)
                            .maxPixels(limits.maxImagePixels()).build())
                    .state(shape.state).action(shape.action).decoder(ImageDecoders.best());
            if (shape.instruction != null) {
                b.instruction(shape.instruction);
            }
            return b.build();
        };
        String backendId = backend.id();
        SessionFactory<VlaFrame, ActionChunk> vla = SessionFactory.named(backendId, modelName,
                (req, l) -> session(policy, PolicyAdapters.vla(policyTask.get()), req, l, pool,
                        IngressPolicy.LATEST_ONLY));
        SessionFactory<OpenPiObservation, ActionChunk> openpi = SessionFactory.named(backendId, modelName,
                (req, l) -> session(policy, PolicyAdapters.openPi(policyTask.get(), List.of("observation/image"),
                        "observation/state", "prompt"), req, l, pool, IngressPolicy.rejectNewest(2)));
        SessionFactory<ImageFrame, Detections> det = SessionFactory.named(backendId, "synthetic-detector",
                (req, l) -> session(detector, new DetectorAdapter(detectionTask(req, limits)), req, l, pool,
                        IngressPolicy.rejectNewest(4)));
        Map<String, SessionFactory<float[], Classification>> signalBackends = new LinkedHashMap<>();
        signalBackends.put(backendId, SessionFactory.named(backendId, "synthetic-emg",
                (req, l) -> session(emg, SignalWindowTask.builder(16, 200, 200)
                        .layout(SignalWindowTask.Layout.CHANNELS_FIRST)
                        .normalization(req.flag("preprocess", true) ? SignalWindowTask.Normalization.ZSCORE
                                : SignalWindowTask.Normalization.NONE)
                        .activation(Activation.SOFTMAX).topK(3).build(), req, l, pool, IngressPolicy.LATEST_ONLY)));

        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("server", "streaminfer");
        meta.put("model", modelName);
        meta.put("backend", backendId);
        meta.put("action_horizon", shape.horizon);
        meta.put("action_dim", shape.dim);
        Map<String, Object> obsSpec = new LinkedHashMap<>();
        obsSpec.put("observation/image", Map.of("dtype", "|u1", "shape", List.of(shape.height, shape.width, 3)));
        obsSpec.put("observation/state", Map.of("dtype", "<f4", "shape", List.of(shape.stateLength)));
        obsSpec.put("prompt", Map.of("dtype", "str"));
        meta.put("observation", obsSpec);

        StreamingServer.Builder b = StreamingServer.builder().host(o.host).port(o.port).access(access.build())
                .limits(limits)
                .vla(VlaEndpoint.of(vla, new ControlledActionEncoder(SafetyConfig.DEFAULT, Duration.ofMillis(20),
                        NanoClock.SYSTEM)).withMaxStateLength(shape.stateLength))
                .detection(new DetectionEndpoint<>(det, DetectionEncoder.detections(), null,
                        DetectionSettings.DEFAULT, 64))
                .signal(SignalEndpoint.synthetic(signalBackends, ClassificationEncoder.classification(1, 7))
                        .interleavedBlocks())
                .openPi(new OpenPiEndpoint<>("/", openpi, ActionEncoder.actionChunk(), meta));
        if (o.tlsCert != null) {
            b.tls(new File(o.tlsCert), new File(o.tlsKey));
        }
        StreamingServer server;
        try {
            server = b.start();
        } catch (RuntimeException e) {
            pool.close();
            models.forEach(LoadedModel::close);
            throw e;
        }
        if (o.apiKeys.isEmpty()) {
            log.println("streaminfer-server: WARNING no --api-key given: the server is open to every client");
        }
        log.println("streaminfer-server: backend '" + backendId + "', policy '" + modelName + "' (image '"
                + shape.image + "' " + shape.width + "x" + shape.height + ", state '" + shape.state + "' ["
                + shape.stateLength + "], action '" + shape.action + "' " + shape.horizon + "x" + shape.dim + ")");
        log.println("streaminfer-server: listening; endpoints:");
        for (String u : server.endpointUrls()) {
            log.println("  " + u);
        }
        return new Running(server, pool, models);
    }

    private static DetectionTask detectionTask(SessionRequest req, ServerLimits limits) {
        DetectionTask.Builder b = DetectionTask.builder(ImageSpec.builder(Synthetic.DETECTOR_SIZE,
                        Synthetic.DETECTOR_SIZE).resize(ImageSpec.ResizeMode.LETTERBOX)
                        .maxPixels(limits.maxImagePixels()).build())
                .decoder(ImageDecoders.best())
                .layout(DetectionTask.Layout.XYXY_SCORE_CLASS)
                .labels(List.of("crack", "pothole"))
                .confidenceThreshold((float) Math.min(req.number("confidence_threshold", 0.5), 1.0))
                .iouThreshold((float) req.number("iou_threshold", 0.45))
                .maxDetections((int) req.number("max_detections", 50));
        if (req.flag("enable_tracking", true)) {
            b.track(0.3f, 5);
        }
        return b.build();
    }

    private static <I, O> StreamingInferenceSession<I, O> session(LoadedModel model, InferenceTask<I, O> task,
            SessionRequest req, ResultListener<O> listener, WorkerPool pool, IngressPolicy ingress) {
        SessionConfig cfg = SessionConfig.DEFAULT.toBuilder().name(req.endpoint() + "-" + req.sessionId())
                .ingress(ingress).build();
        return StreamingInferenceSession.builder(model, task).config(cfg).listener(listener).workerPool(pool).build();
    }

    /** The transport's detection frame into core's image frame. */
    private static final class DetectorAdapter implements InferenceTask<ImageFrame, Detections> {
        private final DetectionTask task;
        private final io.github.streaminfer.task.ImageFrame frame = new io.github.streaminfer.task.ImageFrame();

        DetectorAdapter(DetectionTask task) {
            this.task = task;
        }

        @Override
        public void bind(io.github.streaminfer.backend.ModelSignature model) {
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
        public void preprocess(ImageFrame observation, io.github.streaminfer.tensor.Tensor[] inputs) {
            task.preprocess(frame.setEncoded(observation.image()), inputs);
        }

        @Override
        public void decode(io.github.streaminfer.tensor.Tensor[] outputs, Detections into) {
            task.decode(outputs, into);
        }

        @Override
        public void reset() {
            task.reset();
        }

        @Override
        public void close() {
            task.close();
        }
    }

    /** Names and sizes of the policy's inputs and outputs, from the model and the flags. */
    static final class PolicyShape {
        String image;
        String state;
        String instruction;
        String action;
        int width;
        int height;
        int stateLength;
        int horizon;
        int dim;

        static PolicyShape of(LoadedModel m, Options o) {
            PolicyShape s = new PolicyShape();
            for (TensorSpec t : m.inputs()) {
                if (t.dtype() == DType.FLOAT32 && t.shape().length == 4 && s.image == null) {
                    s.image = t.name();
                } else if (t.dtype() == DType.FLOAT32 && t.shape().length == 2 && s.state == null) {
                    s.state = t.name();
                } else if (t.dtype() == DType.INT64 && s.instruction == null) {
                    s.instruction = t.name();
                }
            }
            s.image = o.imageInput != null ? o.imageInput : s.image;
            s.state = o.stateInput != null ? o.stateInput : s.state;
            s.instruction = o.instructionInput != null ? o.instructionInput : s.instruction;
            s.action = o.actionOutput != null ? o.actionOutput : m.outputs().get(0).name();
            if (s.image == null || s.state == null) {
                throw new IllegalArgumentException("policy inputs " + m.inputs() + ": need an image input [1,3,H,W] "
                        + "float and a state input [1,S] float (or --image-input / --state-input)");
            }
            TensorSpec img = find(m.inputs(), s.image);
            long[] is = img.shape();
            s.height = (int) (o.imageHeight > 0 ? o.imageHeight : is[2]);
            s.width = (int) (o.imageWidth > 0 ? o.imageWidth : is[3]);
            if (s.width < 1 || s.height < 1) {
                throw new IllegalArgumentException("image input '" + s.image + "' has dynamic size "
                        + java.util.Arrays.toString(is) + "; give --image-size WxH");
            }
            s.stateLength = (int) find(m.inputs(), s.state).withDynamicDims(1).elementCount();
            long[] out = find(m.outputs(), s.action).withDynamicDims(1).shape();
            s.dim = (int) out[out.length - 1];
            s.horizon = out.length == 3 ? (int) out[1] : 1;
            return s;
        }

        private static TensorSpec find(List<TensorSpec> specs, String name) {
            for (TensorSpec t : specs) {
                if (t.name().equals(name)) {
                    return t;
                }
            }
            throw new IllegalArgumentException("the model has no tensor '" + name + "'; it has " + specs);
        }
    }

    /** Parsed command line. */
    static final class Options {
        int port = 8000;
        String host = "127.0.0.1";
        String backend = "onnx";
        String model;
        String imageInput;
        String stateInput;
        String instructionInput;
        String actionOutput;
        int imageWidth;
        int imageHeight;
        final List<String> apiKeys = new ArrayList<>();
        String tlsCert;
        String tlsKey;
        boolean help;

        static Options parse(String[] args) {
            Options o = new Options();
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                switch (a) {
                    case "--help":
                    case "-h":
                        o.help = true;
                        break;
                    case "--port":
                        String p = value(args, ++i, a);
                        try {
                            o.port = Integer.parseInt(p);
                        } catch (NumberFormatException e) {
                            throw new IllegalArgumentException("--port '" + p + "' is not a number");
                        }
                        if (o.port < 0 || o.port > 65535) {
                            throw new IllegalArgumentException("--port " + o.port + "; allowed: 0 to 65535");
                        }
                        break;
                    case "--host":
                        o.host = value(args, ++i, a);
                        break;
                    case "--backend":
                        o.backend = value(args, ++i, a);
                        break;
                    case "--model":
                        o.model = value(args, ++i, a);
                        if (!Files.isRegularFile(Path.of(o.model))) {
                            throw new IllegalArgumentException("--model '" + o.model + "' is not a readable file");
                        }
                        break;
                    case "--image-input":
                        o.imageInput = value(args, ++i, a);
                        break;
                    case "--state-input":
                        o.stateInput = value(args, ++i, a);
                        break;
                    case "--instruction-input":
                        o.instructionInput = value(args, ++i, a);
                        break;
                    case "--action-output":
                        o.actionOutput = value(args, ++i, a);
                        break;
                    case "--image-size":
                        String sz = value(args, ++i, a);
                        String[] wh = sz.split("x");
                        try {
                            o.imageWidth = Integer.parseInt(wh[0]);
                            o.imageHeight = Integer.parseInt(wh[1]);
                        } catch (RuntimeException e) {
                            throw new IllegalArgumentException("--image-size '" + sz + "'; expected WxH, e.g. 224x224");
                        }
                        break;
                    case "--api-key":
                        o.apiKeys.add(value(args, ++i, a));
                        break;
                    case "--tls-cert":
                        o.tlsCert = value(args, ++i, a);
                        break;
                    case "--tls-key":
                        o.tlsKey = value(args, ++i, a);
                        break;
                    default:
                        throw new IllegalArgumentException("unknown option '" + a + "'");
                }
            }
            if ((o.tlsCert == null) != (o.tlsKey == null)) {
                throw new IllegalArgumentException("--tls-cert and --tls-key go together");
            }
            return o;
        }

        private static String value(String[] args, int i, String option) {
            if (i >= args.length) {
                throw new IllegalArgumentException(option + " needs a value");
            }
            return args[i];
        }
    }

    /** Synthetic ONNX models written at start by testkit's writer. */
    static final class Synthetic {
        static final int DETECTOR_SIZE = 320;

        private Synthetic() {
        }

        static io.github.streaminfer.testkit.onnx.SyntheticModels.Policy policy() {
            return new io.github.streaminfer.testkit.onnx.SyntheticModels.Policy(96, 96, 12, 1, 0);
        }

        /** Two fixed candidate boxes (a crack and a pothole) whose scores rise with the image's brightness. */
        static byte[] detector() {
            float[] p = {
                    40, 60, 140, 200, 0.55f, 0,
                    180, 100, 300, 180, 0.30f, 1,
                    50, 70, 150, 210, 0.10f, 0};
            float[] q = {
                    0, 0, 0, 0, 0.4f, 0,
                    0, 0, 0, 0, 0.6f, 0,
                    0, 0, 0, 0, 0.1f, 0};
            return new io.github.streaminfer.testkit.onnx.SyntheticModels.Detector(DETECTOR_SIZE, new long[]{3, 6},
                    p, q).bytes();
        }

        static byte[] emg() {
            return new io.github.streaminfer.testkit.onnx.SyntheticModels.EmgClassifier(false).bytes();
        }
    }
}
