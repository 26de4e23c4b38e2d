package io.github.streaminfer.backend.remote;

import io.github.streaminfer.exceptions.BackendUnavailableException;
import io.github.streaminfer.backend.InferenceBackend;
import io.github.streaminfer.backend.LoadedModel;
import io.github.streaminfer.exceptions.ModelLoadException;
import io.github.streaminfer.backend.ModelOptions;
import io.github.streaminfer.backend.ModelSignature;
import io.github.streaminfer.backend.ModelSource;

import java.util.Objects;

/**
 * The remote backend, id {@code "remote"}: models served by an inference server that speaks the Open Inference
 * Protocol (KServe v2; Triton, KServe, OpenVINO Model Server, MLServer), over gRPC or REST.
 *
 * <pre>{@code
 * var backend = new RemoteBackend(RemoteConfig.builder().endpoint("grpc://gpu-box:8001")
 *         .deadline(Duration.ofMillis(200)).bearerToken(token).build());
 * LoadedModel policy = backend.load(ModelSource.ofBytes("policy", new byte[0]), ModelOptions.DEFAULT);
 * }</pre>
 *
 * <p><b>Which model.</b> The server's model name is the {@value #MODEL_PROPERTY} property of the
 * {@link ModelOptions}, or else the file name of the {@link ModelSource} without its extension
 * ({@code models/policy.onnx} means {@code policy}); the bytes are never read or sent. The version is the
 * {@value #VERSION_PROPERTY} property, or the server's choice. Loading asks the server for the model's readiness
 * and metadata; the metadata becomes the model's {@link ModelSignature}.
 *
 * <p><b>Availability.</b> The backend {@link java.util.ServiceLoader} creates reads its endpoint from
 * {@link RemoteConfig#fromEnvironment()}. {@link #isAvailable()} is true when an endpoint is configured and the
 * server answered a liveness call within the control deadline; the answer is kept for one second, so a server
 * that comes back is seen again.
 *
 * <p><b>Note:</b> thread-safe.
 */
public final class RemoteBackend implements InferenceBackend {
    /** The id this backend is found by. */
    public static final String ID = "remote";
    /** {@link ModelOptions} property naming the model on the server. */
    public static final String MODEL_PROPERTY = "remote.model";
    /** {@link ModelOptions} property naming the model version on the server. */
    public static final String VERSION_PROPERTY = "remote.version";
    private static final long PROBE_CACHE_NANOS = 1_000_000_000L;

    private final RemoteConfig config;
    private final Object probeLock = new Object();
    private long probedAtNanos;
    private boolean probed;
    private Throwable cause;

    /** Creates the backend {@link java.util.ServiceLoader} finds, configured from system properties. */
    public RemoteBackend() {
        this(RemoteConfig.fromEnvironment());
    }

    /**
     * Creates a backend for one server; cheap, connects to nothing until asked.
     *
     * @param config the server and how to talk to it
     */
    public RemoteBackend(RemoteConfig config) {
        this.config = Objects.requireNonNull(config, "config");
    }

    /** {@return the configuration} */
    public RemoteConfig config() {
        return config;
    }

    @Override
    public String id() {
        return ID;
    }

    @Override
    public String description() {
        return "Open Inference Protocol client ("
                + (config.hasEndpoint() ? config.protocol() + " " + config.endpoint() : "no endpoint") + ")";
    }

    @Override
    public boolean isAvailable() {
        return unavailabilityCause() == null;
    }

    @Override
    public Throwable unavailabilityCause() {
        if (!config.hasEndpoint()) {
            return new IllegalStateException("no inference server configured: set -D" + RemoteConfig.ENDPOINT_PROPERTY
                    + "=grpc://host:port (or http://, grpcs://, https://) or pass a RemoteConfig");
        }
        synchronized (probeLock) {
            long now = System.nanoTime();
            if (!probed || now - probedAtNanos > PROBE_CACHE_NANOS) {
                cause = probe();
                probed = true;
                probedAtNanos = System.nanoTime();
            }
            return cause;
        }
    }

    private Throwable probe() {
        try (OipTransport t = newTransport()) {
            if (!t.serverLive()) {
                return new IllegalStateException("inference server " + config.endpoint() + " says it is not live");
            }
            return null;
        } catch (RuntimeException e) {
            return e;
        }
    }

    OipTransport newTransport() {
        return config.protocol() == RemoteConfig.Protocol.GRPC ? new GrpcTransport(config) : new RestTransport(config);
    }

    @Override
    public LoadedModel load(ModelSource source, ModelOptions options) {
        if (!config.hasEndpoint()) {
            throw new BackendUnavailableException("backend '" + ID + "' is unavailable: "
                    + unavailabilityCause().getMessage(), unavailabilityCause());
        }
        String name = options.property(MODEL_PROPERTY).orElseGet(() -> modelName(source));
        String version = options.property(VERSION_PROPERTY).orElse("");
        String what = "model '" + name + "' (from " + source.name() + ") at " + config.endpoint();
        OipTransport transport = newTransport();
        try {
            boolean ready;
            try {
                ready = transport.modelReady(name, version);
            } catch (RemoteInferenceException e) {
                if (e.reason() == RemoteInferenceException.Reason.UNREACHABLE) {
                    throw new BackendUnavailableException("backend '" + ID + "' is unavailable: " + e.getMessage(), e);
                }
                throw new ModelLoadException("cannot load " + what + ": " + e.getMessage(), e);
            }
            if (!ready) {
                throw new ModelLoadException("cannot load " + what + ": the server says the model is not ready");
            }
            ModelSignature signature;
            try {
                signature = transport.modelMetadata(name, version);
            } catch (RemoteInferenceException e) {
                throw new ModelLoadException("cannot read the metadata of " + what + ": " + e.getMessage(), e);
            }
            if (signature.inputs().isEmpty() || signature.outputs().isEmpty()) {
                throw new ModelLoadException("cannot load " + what + ": its metadata lists no "
                        + (signature.inputs().isEmpty() ? "inputs" : "outputs"));
            }
            return new RemoteModel(transport, name, version, signature, config.maxInFlight());
        } catch (RuntimeException e) {
            transport.close();
            throw e;
        }
    }

    /** {@return the file name of the source without directories and without its last extension} */
    static String modelName(ModelSource source) {
        String n = source.path().map(p -> p.getFileName().toString()).orElse(source.name());
        int slash = Math.max(n.lastIndexOf('/'), n.lastIndexOf(':'));
        n = n.substring(slash + 1);
        int dot = n.lastIndexOf('.');
        return dot > 0 ? n.substring(0, dot) : n;
    }

    @Override
    public String toString() {
        return "RemoteBackend[" + config + "]";
    }
}
