package io.github.streaminfer.backend.remote;

import io.github.streaminfer.backend.LoadedModel;
import io.github.streaminfer.backend.ModelSignature;
import io.github.streaminfer.backend.RunGuard;
import io.github.streaminfer.backend.remote.RemoteInferenceException.Reason;
import io.github.streaminfer.tensor.Tensor;
import io.github.streaminfer.tensor.TensorSpec;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A model served by an inference server. Its signature is the server's model metadata; {@link #run} sends one
 * request with the configured deadline and copies the answer into the caller's output tensors.
 *
 * <p>At most {@link RemoteConfig#maxInFlight()} runs are in flight at once; one more fails at once with
 * {@link Reason#TOO_MANY_IN_FLIGHT} rather than queueing, so a session's ingress policy, not a hidden queue here,
 * decides which frames are dropped. (A session runs one frame at a time, so a model loaded per session has at
 * most one request in flight; the bound matters for a model shared by several sessions.) The time each run spent
 * waiting on the server is kept per thread for {@link #lastRunRemoteNanos()}.
 *
 * <p><b>Note:</b> thread-safe; {@code run} may be called from several threads at once. Use after {@link #close()}
 * throws {@link IllegalStateException}.
 */
final class RemoteModel implements LoadedModel {
    private final OipTransport transport;
    private final String name;
    private final String version;
    private final ModelSignature signature;
    private final int maxInFlight;
    private final String where;
    private final RunGuard guard;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final ThreadLocal<long[]> remoteNanos = ThreadLocal.withInitial(() -> new long[] {-1});

    RemoteModel(OipTransport transport, String name, String version, ModelSignature signature, int maxInFlight) {
        this.transport = transport;
        this.name = name;
        this.version = version;
        this.signature = signature;
        this.maxInFlight = maxInFlight;
        this.where = "model '" + name + "' at " + transport.endpoint();
        this.guard = new RunGuard("remote " + where);
    }

    @Override
    public String backendId() {
        return RemoteBackend.ID;
    }

    @Override
    public String modelName() {
        return name + (version.isEmpty() ? "" : " (version " + version + ")") + " at " + transport.endpoint();
    }

    @Override
    public List<TensorSpec> inputs() {
        return signature.inputs();
    }

    @Override
    public List<TensorSpec> outputs() {
        return signature.outputs();
    }

    @Override
    public ModelSignature signature() {
        return signature;
    }

    @Override
    public void run(Tensor[] inputs, Tensor[] outputs) {
        guard.enter();
        long[] slot = remoteNanos.get();
        slot[0] = -1;
        try {
            OipTypes.checkInputs(signature, inputs, where);
            if (outputs.length != signature.outputs().size()) {
                throw new IllegalArgumentException(where + " has " + signature.outputs().size() + " outputs; got "
                        + outputs.length + " output tensors");
            }
            if (inFlight.incrementAndGet() > maxInFlight) {
                inFlight.decrementAndGet();
                throw new RemoteInferenceException(Reason.TOO_MANY_IN_FLIGHT, where + " already has " + maxInFlight
                        + " requests in flight (RemoteConfig.maxInFlight)", null);
            }
            try {
                slot[0] = transport.infer(name, version, inputs, outputs);
            } finally {
                inFlight.decrementAndGet();
            }
        } finally {
            guard.exit();
        }
    }

    @Override
    public long lastRunRemoteNanos() {
        return remoteNanos.get()[0];
    }

    /** {@return requests in flight now} */
    int inFlight() {
        return inFlight.get();
    }

    @Override
    public void close() {
        if (guard.closeAndAwait(Duration.ofSeconds(30))) {
            transport.close();
        }
    }

    @Override
    public String toString() {
        return "RemoteModel[" + modelName() + ", " + signature + "]";
    }
}
