package io.github.streaminfer.server;

import io.github.streaminfer.session.WorkerPool;
import io.github.streaminfer.transport.AccessPolicy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The standalone server's command line, parsed. Every option is validated as it is read; a bad one fails with an
 * {@link IllegalArgumentException} naming the option, the value and what is allowed.
 *
 * <p><b>Note:</b> mutable while {@link #parse} fills it, then only read; confined to the thread that starts the
 * server.
 */
final class ServerOptions {
    /** Default whole-path warm-up frames per session. */
    static final int DEFAULT_WARMUP = 20;

    static final String USAGE = String.join("\n",
            "usage: streaminfer-server [options]",
            "  --port N                 port (default 8000; 0 = any free port)",
            "  --host ADDR              address to bind (default 127.0.0.1)",
            "  --backend ID             inference backend: onnx (default), tensorrt or openvino. A backend that is",
            "                           unavailable here falls back to onnx with one line on stderr saying why;",
            "                           an unknown one fails listing every backend found",
            "  --backend-strict         fail instead of falling back when --backend is unavailable",
            "  --device D               the backend's device (default cpu; cuda:0 for tensorrt), e.g. cuda:1, gpu",
            "  --precision P            fp32 (default), fp16 or int8 (tensorrt: engine precision; openvino: f16 hint)",
            "  --openvino-dir DIR       directory holding libopenvino_c (else -Dstreaminfer.openvino.dir or",
            "                           OPENVINO_LIB_DIR)",
            "  --model PATH             ONNX policy: image [1,3,H,W] float + state [1,S] float (+ optional int64",
            "                           instruction [1,L]) -> action [1,D] or chunk [1,H,D]; default: a synthetic one",
            "  --image-input NAME       override the image input (default: the 4-d float input)",
            "  --state-input NAME       override the state input (default: the 2-d float input)",
            "  --instruction-input NAME override the instruction input (default: the int64 input, if any)",
            "  --action-output NAME     override the action output (default: the first output)",
            "  --image-size WxH         image size when the model's image input has dynamic dimensions",
            "  --warmup N               synthetic frames each new session runs through decode, model and reply",
            "                           decoding before it reports ready (default " + DEFAULT_WARMUP + "; 0 = none);",
            "                           with N > 0 the server also warms every endpoint's path once at start",
            "  --inference-on WHERE     where frames are decoded and inferred: workers (default; threads of",
            "                           their own, beside the event loops) or event-loops (on the event loop",
            "                           that read the frame: no hand-over between threads, for fast models)",
            "  --io-threads N           Netty event loops (default a quarter of the cores, at least 1; all the",
            "                           cores with --inference-on event-loops)",
            "  --workers N              inference worker threads shared by all sessions (default the cores",
            "                           left beside the event loops, at least 1; none with --inference-on",
            "                           event-loops)",
            "  --api-key KEY[:TIER]     API key, repeatable; TIER = free|pro|enterprise (default enterprise).",
            "                           Without any key the server is open to every client.",
            "  --allow-origin ORIGIN    browser Origin allowed to connect (scheme://host[:port]), repeatable; once",
            "                           one is given, requests from other origins get 403 (default: any origin)",
            "  --tls-cert PEM           certificate chain for TLS (with --tls-key)",
            "  --tls-key PEM            PKCS#8 private key for TLS",
            "  --drain-seconds N        on SIGTERM: /ready fails and new sessions are refused at once, open sessions",
            "                           may go on for up to N s (default 0), then the server stops",
            "  --redis URI              share sessions with other instances through Redis (redis://host:port[/db]):",
            "                           tier limits count cluster-wide, REST sessions are found on any instance",
            "  --instance-id ID         this instance's id in the cluster (default: host name and port)",
            "  --advertise HOST:PORT    where other instances send this instance's clients (default: --host and the",
            "                           bound port)",
            "  --registry-ttl-seconds S how long this instance's sessions outlive it in Redis (default 15)",
            "  --max-connections-per-address N  open connections from one client address (default 64); behind a",
            "                           load balancer every client has the balancer's address: raise it there",
            "  --help                   this text");

    int port = 8000;
    String host = "127.0.0.1";
    String backend = "onnx";
    boolean backendStrict;
    String device;
    String precision;
    String openvinoDir;
    String model;
    String imageInput;
    String stateInput;
    String instructionInput;
    String actionOutput;
    int imageWidth;
    int imageHeight;
    int warmup = DEFAULT_WARMUP;
    int ioThreads = -1; // resolved once the options are read
    int workers = -1; // resolved against ioThreads once the options are read
    boolean inferenceOnEventLoops;
    final List<String> apiKeys = new ArrayList<>();
    final List<String> allowedOrigins = new ArrayList<>();
    String tlsCert;
    String tlsKey;
    int drainSeconds;
    String redis;
    String instanceId;
    String advertise;
    double registryTtlSeconds = 15;
    int maxConnectionsPerAddress;
    boolean help;

    /**
     * {@return the options {@code args} give}
     *
     * @param args the command line
     * @throws IllegalArgumentException naming the bad option and what is allowed
     */
    static ServerOptions parse(String[] args) {
        ServerOptions o = new ServerOptions();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--help", "-h" -> o.help = true;
                case "--port" -> o.port = number(args, ++i, a, 0, 65535);
                case "--host" -> o.host = value(args, ++i, a);
                case "--backend" -> o.backend = value(args, ++i, a);
                case "--backend-strict" -> o.backendStrict = true;
                case "--device" -> o.device = value(args, ++i, a);
                case "--precision" -> {
                    o.precision = value(args, ++i, a);
                    if (!List.of("fp32", "fp16", "int8").contains(o.precision)) {
                        throw new IllegalArgumentException("--precision is '" + o.precision
                                + "'; allowed: fp32, fp16, int8");
                    }
                }
                case "--openvino-dir" -> {
                    o.openvinoDir = value(args, ++i, a);
                    if (!Files.isDirectory(Path.of(o.openvinoDir))) {
                        throw new IllegalArgumentException("--openvino-dir '" + o.openvinoDir
                                + "' is not a directory");
                    }
                }
                case "--model" -> {
                    o.model = value(args, ++i, a);
                    if (!Files.isRegularFile(Path.of(o.model))) {
                        throw new IllegalArgumentException("--model '" + o.model + "' is not a readable file");
                    }
                }
                case "--image-input" -> o.imageInput = value(args, ++i, a);
                case "--state-input" -> o.stateInput = value(args, ++i, a);
                case "--instruction-input" -> o.instructionInput = value(args, ++i, a);
                case "--action-output" -> o.actionOutput = value(args, ++i, a);
                case "--image-size" -> {
                    String sz = value(args, ++i, a);
                    String[] wh = sz.split("x");
                    try {
                        o.imageWidth = Integer.parseInt(wh[0]);
                        o.imageHeight = Integer.parseInt(wh[1]);
                    } catch (RuntimeException e) {
                        throw new IllegalArgumentException("--image-size '" + sz + "'; expected WxH, e.g. 224x224");
                    }
                }
                case "--warmup" -> o.warmup = number(args, ++i, a, 0, 10_000);
                case "--inference-on" -> {
                    String v = value(args, ++i, a);
                    if (!v.equals("workers") && !v.equals("event-loops")) {
                        throw new IllegalArgumentException("--inference-on is '" + v
                                + "'; allowed: workers, event-loops");
                    }
                    o.inferenceOnEventLoops = v.equals("event-loops");
                }
                case "--io-threads" -> o.ioThreads = number(args, ++i, a, 1, 1024);
                case "--workers" -> o.workers = number(args, ++i, a, 1, 1024);
                case "--api-key" -> o.apiKeys.add(value(args, ++i, a));
                case "--allow-origin" -> {
                    String origin = value(args, ++i, a);
                    try {
                        AccessPolicy.builder().allowOrigin(origin);
                    } catch (IllegalArgumentException e) {
                        throw new IllegalArgumentException("--allow-origin: " + e.getMessage());
                    }
                    o.allowedOrigins.add(origin);
                }
                case "--tls-cert" -> o.tlsCert = value(args, ++i, a);
                case "--tls-key" -> o.tlsKey = value(args, ++i, a);
                case "--drain-seconds" -> o.drainSeconds = number(args, ++i, a, 0, 3600);
                case "--redis" -> o.redis = value(args, ++i, a);
                case "--instance-id" -> o.instanceId = value(args, ++i, a);
                case "--advertise" -> o.advertise = value(args, ++i, a);
                case "--max-connections-per-address" -> o.maxConnectionsPerAddress = number(args, ++i, a, 1,
                        1_000_000);
                case "--registry-ttl-seconds" -> {
                    String v = value(args, ++i, a);
                    try {
                        o.registryTtlSeconds = Double.parseDouble(v);
                    } catch (NumberFormatException e) {
                        o.registryTtlSeconds = Double.NaN;
                    }
                    if (!(o.registryTtlSeconds >= 0.3 && o.registryTtlSeconds <= 3600)) {
                        throw new IllegalArgumentException("--registry-ttl-seconds is '" + v
                                + "'; allowed: 0.3 to 3600");
                    }
                }
                default -> throw new IllegalArgumentException("unknown option '" + a + "'");
            }
        }
        if ((o.tlsCert == null) != (o.tlsKey == null)) {
            throw new IllegalArgumentException("--tls-cert and --tls-key go together");
        }
        if (o.redis == null && (o.instanceId != null || o.advertise != null)) {
            throw new IllegalArgumentException("--instance-id and --advertise name this instance in a cluster; they "
                    + "need --redis");
        }
        int cores = Runtime.getRuntime().availableProcessors();
        if (o.inferenceOnEventLoops) {
            if (o.workers >= 0) {
                throw new IllegalArgumentException("--workers does not go with --inference-on event-loops: the "
                        + "event loops infer; size them with --io-threads");
            }
            o.workers = 0;
            if (o.ioThreads < 0) {
                o.ioThreads = cores;
            }
        }
        if (o.ioThreads < 0) {
            o.ioThreads = WorkerPool.serverEventLoops(cores);
        }
        if (o.workers < 0) {
            o.workers = WorkerPool.workersBeside(cores, o.ioThreads);
        }
        return o;
    }

    private static int number(String[] args, int i, String option, int min, int max) {
        String v = value(args, i, option);
        int n;
        try {
            n = Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " '" + v + "' is not a number");
        }
        if (n < min || n > max) {
            throw new IllegalArgumentException(option + " is " + n + "; allowed: " + min + " to " + max);
        }
        return n;
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[i];
    }
}
