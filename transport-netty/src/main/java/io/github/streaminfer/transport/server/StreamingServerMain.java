package io.github.streaminfer.transport.server;

import io.github.streaminfer.backend.Backends;
import io.github.streaminfer.backend.InferenceBackend;
import io.github.streaminfer.backend.LoadedModel;
import io.github.streaminfer.backend.ModelOptions;
import io.github.streaminfer.backend.ModelSource;
import io.github.streaminfer.session.IngressPolicy;
import io.github.streaminfer.session.ResultListener;
import io.github.streaminfer.session.SessionConfig;
import io.github.streaminfer.session.StreamingInferenceSession;
import io.github.streaminfer.session.WorkerPool;
import io.github.streaminfer.task.FloatArrayTask;
import io.github.streaminfer.task.FloatVector;
import io.github.streaminfer.task.InferenceTask;
import io.github.streaminfer.tensor.DType;
import io.github.streaminfer.transport.AccessPolicy;
import io.github.streaminfer.transport.ActionEncoder;
import io.github.streaminfer.transport.ClassificationEncoder;
import io.github.streaminfer.transport.OpenPiEndpoint;
import io.github.streaminfer.transport.OpenPiObservation;
import io.github.streaminfer.transport.SessionFactory;
import io.github.streaminfer.transport.SessionRequest;
import io.github.streaminfer.transport.SignalEndpoint;
import io.github.streaminfer.transport.StatePolicyTask;
import io.github.streaminfer.transport.StreamingServer;
import io.github.streaminfer.transport.Tier;
import io.github.streaminfer.transport.VlaEndpoint;
import io.github.streaminfer.transport.VlaFrame;

import java.io.File;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * Runs a {@link StreamingServer} from the command line. Without {@code --model} it serves a synthetic 7-dof state
 * policy and a synthetic 16 × 200 → 7 signal classifier on the {@code scripted} backend (from
 * {@code streaminfer-testkit}); with {@code --model PATH} it loads that policy on {@code --backend}.
 *
 * <pre>
 * streaminfer-server [--port 8000] [--host 127.0.0.1] [--backend onnx] [--model policy.onnx]
 *                    [--api-key KEY[:tier]]... [--tls-cert cert.pem --tls-key key.pem]
 * </pre>
 *
 * <p><b>Note:</b> blocks the calling thread until SIGTERM/SIGINT (a shutdown hook closes the server gracefully).
 */
public final class StreamingServerMain {
    private static final String USAGE = String.join("\n",
            "usage: streaminfer-server [options]",
            "  --port N            port (default 8000; 0 = any free port)",
            "  --host ADDR         address to bind (default 127.0.0.1)",
            "  --backend ID        backend for --model (default onnx)",
            "  --model PATH        policy model: input state [1,S] float32, output action [1,D] or chunk [1,H,D]",
            "  --api-key KEY[:T]   API key, repeatable; T = free|pro|enterprise (default enterprise).",
            "                      Without any key the server is open to every client.",
            "  --tls-cert PEM      certificate chain for TLS (with --tls-key)",
            "  --tls-key PEM       PKCS#8 private key for TLS",
            "  --help              this text");

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
        StreamingServer server = start(o, System.out);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("streaminfer-server: shutting down, finishing in-flight frames");
            server.close();
            stopped.countDown();
        }, "streaminfer-shutdown"));
        stopped.await();
    }

    /**
     * Builds and starts the server the options describe, printing every endpoint URL.
     *
     * @param o   options
     * @param log where to print
     * @return the running server
     * @throws Exception if a model cannot be loaded or the address cannot be bound
     */
    static StreamingServer start(Options o, PrintStream log) throws Exception {
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
        WorkerPool pool = WorkerPool.create("streaminfer-sessions", Math.max(1,
                Runtime.getRuntime().availableProcessors()));
        LoadedModel policy;
        String backendId;
        if (o.model != null) {
            InferenceBackend backend = Backends.require(o.backend);
            policy = backend.load(ModelSource.of(Path.of(o.model)), ModelOptions.DEFAULT);
            backendId = backend.id();
            if (policy.inputs().size() != 1) {
                throw new IllegalArgumentException("model '" + o.model + "' has " + policy.inputs().size()
                        + " inputs " + policy.inputs() + "; this build serves state-only policies (one input [1,S]); "
                        + "image + state policies need the image-aware policy task");
            }
        } else {
            policy = Synthetic.policy();
            backendId = policy.backendId();
            log.println("streaminfer-server: no --model given; serving a synthetic 12-value-state -> 7-dof policy on "
                    + "the '" + backendId + "' backend (testkit)");
        }
        LoadedModel classifier = Synthetic.classifier();
        String modelName = o.model != null ? Path.of(o.model).getFileName().toString() : "synthetic-policy";
        int stateLength = (int) policy.inputs().get(0).withDynamicDims(1).elementCount();
        long[] outShape = policy.outputs().get(0).withDynamicDims(1).shape();
        int dim = (int) outShape[outShape.length - 1];
        int horizon = (int) (policy.outputs().get(0).withDynamicDims(1).elementCount() / dim);

        SessionFactory<VlaFrame, FloatVector> vla = SessionFactory.named(backendId, modelName,
                (req, l) -> session(policy, StatePolicyTask.vla(), req, l, pool, IngressPolicy.LATEST_ONLY));
        SessionFactory<OpenPiObservation, FloatVector> openpi = SessionFactory.named(backendId, modelName,
                (req, l) -> session(policy, StatePolicyTask.openPi("observation/state"), req, l, pool,
                        IngressPolicy.rejectNewest(2)));
        Map<String, SessionFactory<float[], FloatVector>> signalBackends = new LinkedHashMap<>();
        signalBackends.put(classifier.backendId(), SessionFactory.named(classifier.backendId(), "synthetic-emg",
                (req, l) -> session(classifier, FloatArrayTask.firstInputOutput(), req, l, pool,
                        IngressPolicy.LATEST_ONLY)));
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("server", "streaminfer");
        meta.put("model", modelName);
        meta.put("backend", backendId);
        meta.put("action_horizon", horizon);
        meta.put("action_dim", dim);
        Map<String, Object> obsSpec = new LinkedHashMap<>();
        obsSpec.put("observation/state", Map.of("dtype", "<f4", "shape", List.of(stateLength)));
        obsSpec.put("prompt", Map.of("dtype", "str"));
        meta.put("observation", obsSpec);

        StreamingServer.Builder b = StreamingServer.builder().host(o.host).port(o.port).access(access.build())
                .vla(VlaEndpoint.of(vla, horizon > 1 ? ActionEncoder.floatChunk(dim) : ActionEncoder.floatVector())
                        .withMaxStateLength(stateLength))
                .signal(SignalEndpoint.synthetic(signalBackends, ClassificationEncoder.softmaxArgmax(1, 7)))
                .openPi(new OpenPiEndpoint<>("/", openpi, ActionEncoder.floatChunk(dim), meta));
        if (o.tlsCert != null) {
            b.tls(new File(o.tlsCert), new File(o.tlsKey));
        }
        StreamingServer server = b.start();
        if (o.apiKeys.isEmpty()) {
            log.println("streaminfer-server: WARNING no --api-key given: the server is open to every client");
        }
        log.println("streaminfer-server: detection endpoints (/stream/...) are not mounted: no detector model in "
                + "this build");
        log.println("streaminfer-server: listening; endpoints:");
        for (String u : server.endpointUrls()) {
            log.println("  " + u);
        }
        return server;
    }

    private static <I> StreamingInferenceSession<I, FloatVector> session(LoadedModel model,
            InferenceTask<I, FloatVector> task, SessionRequest req, ResultListener<FloatVector> listener,
            WorkerPool pool, IngressPolicy ingress) {
        SessionConfig cfg = SessionConfig.DEFAULT.toBuilder().name(req.endpoint() + "-" + req.sessionId())
                .ingress(ingress).targetFps(0).build();
        return StreamingInferenceSession.builder(model, task).config(cfg).listener(listener).workerPool(pool).build();
    }

    /** Parsed command line. */
    static final class Options {
        int port = 8000;
        String host = "127.0.0.1";
        String backend = "onnx";
        String model;
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

    /** Synthetic models on the scripted backend. */
    static final class Synthetic {
        private Synthetic() {
        }

        static LoadedModel policy() {
            return io.github.streaminfer.testkit.ScriptedModel.builder().name("synthetic-policy")
                    .input("state", DType.FLOAT32, 1, 12)
                    .output("action", DType.FLOAT32, 1, 7)
                    .script((in, out) -> {
                        // a fixed linear policy: a_i = 0.1 * (s_i - s_(i+6)) for i < 6 (pose error damped by
                        // velocity), gripper a_6 = 1
                        for (int i = 0; i < 6; i++) {
                            out[0].putFloat(i, 0.1f * (in[0].getFloat(i) - in[0].getFloat(i + 6)));
                        }
                        out[0].putFloat(6, 1f);
                    })
                    .build();
        }

        static LoadedModel classifier() {
            return io.github.streaminfer.testkit.ScriptedModel.builder().name("synthetic-emg")
                    .input("emg", DType.FLOAT32, 1, 16, 200)
                    .output("logits", DType.FLOAT32, 1, 7)
                    .script((in, out) -> {
                        // logits_k = 4 * correlation of channels k and k + 8 over the window
                        for (int k = 0; k < 7; k++) {
                            double e = 0;
                            for (int t = 0; t < 200; t++) {
                                e += in[0].getFloat(k * 200L + t) * in[0].getFloat((k + 8) * 200L + t);
                            }
                            out[0].putFloat(k, (float) (4 * e / 200));
                        }
                    })
                    .build();
        }
    }

}
