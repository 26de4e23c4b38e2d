package io.github.streaminfer.backend.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import io.github.streaminfer.backend.LoadedModel;
import io.github.streaminfer.backend.RunGuard;
import io.github.streaminfer.exceptions.InferenceException;
import io.github.streaminfer.tensor.Tensor;
import io.github.streaminfer.tensor.TensorSpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A model loaded by {@link OnnxBackend}.
 *
 * <p>Zero copy: {@link #run} wraps the caller's direct native-order tensor buffers in {@link OnnxTensor}s without
 * copying them (ONNX Runtime reads a direct buffer of the right type and native order in place). The wrappers are
 * cached per caller tensor set (keyed on the identity of the {@code inputs} array, in a per-thread table that holds
 * every tensor set the thread runs, so a pool thread cycling through many sessions keeps each one's wrappers) and
 * rebuilt only when a tensor, its buffer or its shape changes, so a session's steady state creates no wrappers. The
 * wrappers of a tensor set whose tensors were freed are closed the next time the thread meets a new tensor set.
 * Outputs are <em>pinned</em> (ONNX Runtime writes straight into the caller's buffer) when their shape is static,
 * or, for dynamic outputs, once a run has shown their shape; that shape is trusted while the input shapes stay the
 * same, and if ONNX Runtime then reports a different one the run is repeated unpinned and pinning is switched off
 * for that tensor set. Unpinned outputs are copied into the caller's tensors, which are reshaped.
 *
 * <p><b>Note:</b> {@link #run} is thread-safe for different tensor arrays (several sessions may share one model);
 * one tensor array must not be used by two threads at once. {@link #close()} waits for running calls to finish.
 *
 * @since 0.1.0
 */
public final class OnnxModel implements LoadedModel {
    private static final Logger LOG = LoggerFactory.getLogger(OnnxModel.class);
    /** Tensor sets one thread keeps wrapped; past this, after freed sets are swept, the oldest set is dropped. */
    private static final int MAX_BINDINGS_PER_THREAD = 4096;
    /** How long {@link #close()} waits for runs in progress before it leaves the native session open. */
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(30);

    private final OrtEnvironment env;
    private final OrtSession session;
    private final String name;
    private final String provider;
    private final List<TensorSpec> inputs;
    private final List<TensorSpec> outputs;
    private final RunGuard guard;
    private final Set<Binding> bindings = ConcurrentHashMap.newKeySet();
    private final ThreadLocal<Map<Tensor[], Binding>> perThread;

    OnnxModel(OrtEnvironment env, OrtSession session, String name, String provider, List<TensorSpec> inputs,
              List<TensorSpec> outputs) {
        this.env = env;
        this.session = session;
        this.name = name;
        this.provider = provider;
        this.inputs = inputs;
        this.outputs = outputs;
        this.perThread = ThreadLocal.withInitial(IdentityHashMap::new);
        this.guard = new RunGuard("ONNX model " + name);
    }

    @Override
    public String backendId() {
        return OnnxBackend.ID;
    }

    @Override
    public String modelName() {
        return name;
    }

    /**
     * {@return the execution provider the session runs on: {@code cpu}, {@code cuda}, {@code tensorrt} or
     * {@code openvino}}
     */
    public String provider() {
        return provider;
    }

    @Override
    public List<TensorSpec> inputs() {
        return inputs;
    }

    @Override
    public List<TensorSpec> outputs() {
        return outputs;
    }

    @Override
    public void run(Tensor[] in, Tensor[] out) {
        guard.enter();
        try {
            binding(in, out).run();
        } finally {
            guard.exit();
        }
    }

    private Binding binding(Tensor[] in, Tensor[] out) {
        Map<Tensor[], Binding> cache = perThread.get();
        Binding b = cache.get(in);
        if (b != null && b.out == out) {
            return b;
        }
        if (b != null) { // the same inputs with other outputs: the old wrappers go
            drop(cache, in);
        }
        sweepFreed(cache);
        if (cache.size() >= MAX_BINDINGS_PER_THREAD) {
            drop(cache, cache.keySet().iterator().next());
        }
        b = new Binding(in, out);
        cache.put(in, b);
        bindings.add(b);
        return b;
    }

    /** Closes the wrappers of tensor sets whose tensors were freed (their sessions closed). Not on the hot path. */
    private void sweepFreed(Map<Tensor[], Binding> cache) {
        for (Iterator<Map.Entry<Tensor[], Binding>> it = cache.entrySet().iterator(); it.hasNext(); ) {
            Binding b = it.next().getValue();
            if (b.anyFreed()) {
                it.remove();
                bindings.remove(b);
                b.close();
            }
        }
    }

    private void drop(Map<Tensor[], Binding> cache, Tensor[] in) {
        Binding b = cache.remove(in);
        if (b != null) {
            bindings.remove(b);
            b.close();
        }
    }

    /** {@return the number of cached wrapper sets (for tests: one per caller tensor set and thread)} */
    int bindingCount() {
        return bindings.size();
    }

    @Override
    public void close() {
        if (!guard.closeAndAwait(CLOSE_WAIT)) {
            if (guard.active() > 0) {
                LOG.warn("ONNX model {}: runs still active after {} s; native session left open", name,
                        CLOSE_WAIT.toSeconds());
            }
            return;
        }
        for (Binding b : bindings) {
            b.close();
        }
        bindings.clear();
        try {
            session.close();
        } catch (OrtException e) {
            LOG.warn("ONNX model {}: closing the session failed: {}", name, e.getMessage());
        }
    }

    @Override
    public String toString() {
        return "OnnxModel[" + name + " on " + provider + ", " + signature() + "]";
    }

    /** The ONNX Runtime wrappers of one caller tensor set. Confined to the thread whose cache holds it. */
    private final class Binding {
        final Tensor[] in;
        final Tensor[] out;
        private final Tensor[] inSeen;
        private final ByteBuffer[] inBuffers;
        private final long[][] inShapes;
        private final OnnxTensor[] inWrappers;
        private final Tensor[] outSeen;
        private final ByteBuffer[] outBuffers;
        private final long[][] outShapes;
        private final OnnxTensor[] outWrappers;
        private final boolean[] outStatic;
        private final boolean[] outShapeKnown;
        private final Map<String, OnnxTensor> inputMap = new LinkedHashMap<>();
        private final Map<String, OnnxTensor> pinnedMap = new LinkedHashMap<>();
        private final Set<String> requested = new HashSet<>();
        private boolean dynamicPinning = true;

        Binding(Tensor[] in, Tensor[] out) {
            if (in.length != inputs.size() || out.length != outputs.size()) {
                throw new IllegalArgumentException("ONNX model " + name + " has " + inputs.size() + " inputs and "
                        + outputs.size() + " outputs; run got " + in.length + " and " + out.length + " tensors");
            }
            this.in = in;
            this.out = out;
            inSeen = new Tensor[in.length];
            inBuffers = new ByteBuffer[in.length];
            inShapes = new long[in.length][];
            inWrappers = new OnnxTensor[in.length];
            outSeen = new Tensor[out.length];
            outBuffers = new ByteBuffer[out.length];
            outShapes = new long[out.length][];
            outWrappers = new OnnxTensor[out.length];
            outStatic = new boolean[out.length];
            outShapeKnown = new boolean[out.length];
            for (int j = 0; j < out.length; j++) {
                outStatic[j] = outputs.get(j).isStatic();
                requested.add(outputs.get(j).name());
            }
        }

        void run() {
            boolean inputShapeChanged = refreshInputs();
            if (inputShapeChanged) {
                unpinDynamicOutputs();
            }
            refreshOutputs();
            try {
                runOnce();
            } catch (OrtException e) {
                if (!hasPinnedDynamic()) {
                    throw new InferenceException("ONNX model " + name + ": run failed: " + e.getMessage(), e);
                }
                // a dynamic output's shape changed although the input shapes did not (data-dependent shape)
                dynamicPinning = false;
                unpinDynamicOutputs();
                try {
                    runOnce();
                } catch (OrtException e2) {
                    throw new InferenceException("ONNX model " + name + ": run failed: " + e2.getMessage(), e2);
                }
            }
        }

        private void runOnce() throws OrtException {
            if (requested.isEmpty()) {
                try (OrtSession.Result r = session.run(inputMap, requested, pinnedMap)) {
                    // every output was written in place
                    assert r.size() == out.length;
                }
                return;
            }
            try (OrtSession.Result r = session.run(inputMap, requested, pinnedMap)) {
                for (int j = 0; j < out.length; j++) {
                    if (outWrappers[j] == null) {
                        copyOut(j, r.get(outputs.get(j).name()));
                    }
                }
            }
        }

        private boolean hasPinnedDynamic() {
            for (int j = 0; j < out.length; j++) {
                if (!outStatic[j] && outWrappers[j] != null) {
                    return true;
                }
            }
            return false;
        }

        private boolean refreshInputs() {
            boolean shapeChanged = false;
            for (int i = 0; i < in.length; i++) {
                Tensor t = in[i];
                ByteBuffer buf = t.buffer();
                if (t == inSeen[i] && buf == inBuffers[i] && t.hasShape(inShapes[i])) {
                    continue;
                }
                TensorSpec spec = inputs.get(i);
                if (t.dtype() != spec.dtype() || !spec.accepts(t.shape())) {
                    throw new IllegalArgumentException("ONNX model " + name + ": input " + i + " must be " + spec
                            + ", got " + t);
                }
                shapeChanged |= inShapes[i] == null || !t.hasShape(inShapes[i]);
                closeQuietly(inWrappers[i]);
                inWrappers[i] = wrap(t);
                inSeen[i] = t;
                inBuffers[i] = buf;
                inShapes[i] = t.shape();
                inputMap.put(spec.name(), inWrappers[i]);
            }
            return shapeChanged;
        }

        private void refreshOutputs() {
            for (int j = 0; j < out.length; j++) {
                Tensor t = out[j];
                TensorSpec spec = outputs.get(j);
                if (t != outSeen[j]) {
                    if (t.dtype() != spec.dtype() || t.rank() != spec.rank()) {
                        throw new IllegalArgumentException("ONNX model " + name + ": output " + j + " must be "
                                + spec + ", got " + t);
                    }
                    outSeen[j] = t;
                    unpin(j);
                    outShapeKnown[j] = false;
                }
                boolean pinnable = outStatic[j] || (dynamicPinning && outShapeKnown[j]);
                if (!pinnable) {
                    continue;
                }
                if (outStatic[j] && !t.hasShapeOf(spec)) {
                    t.reshape(spec.shape());
                }
                ByteBuffer buf = t.buffer();
                if (outWrappers[j] != null && buf == outBuffers[j] && t.hasShape(outShapes[j])) {
                    continue;
                }
                unpin(j);
                outWrappers[j] = wrap(t);
                outBuffers[j] = buf;
                outShapes[j] = t.shape();
                requested.remove(spec.name());
                pinnedMap.put(spec.name(), outWrappers[j]);
            }
        }

        private void unpinDynamicOutputs() {
            for (int j = 0; j < out.length; j++) {
                if (!outStatic[j]) {
                    unpin(j);
                    outShapeKnown[j] = false;
                }
            }
        }

        private void unpin(int j) {
            if (outWrappers[j] != null) {
                String n = outputs.get(j).name();
                pinnedMap.remove(n);
                requested.add(n);
                closeQuietly(outWrappers[j]);
                outWrappers[j] = null;
                outBuffers[j] = null;
                outShapes[j] = null;
            }
        }

        private void copyOut(int j, Optional<OnnxValue> value) throws OrtException {
            OnnxValue v = value.orElseThrow(() -> new OrtException("output '" + outputs.get(j).name() + "' missing"));
            if (!(v instanceof OnnxTensor ot)) {
                throw new InferenceException("ONNX model " + name + ": output '" + outputs.get(j).name()
                        + "' is not a tensor: " + v.getInfo());
            }
            Tensor t = out[j];
            TensorInfo info = ot.getInfo();
            long[] shape = info.getShape();
            t.reshape(shape);
            ByteBuffer dst = t.buffer();
            switch (t.dtype()) {
                case FLOAT32 -> dst.asFloatBuffer().put(ot.getFloatBuffer());
                case INT64 -> dst.asLongBuffer().put(ot.getLongBuffer());
                case INT32 -> dst.asIntBuffer().put(ot.getIntBuffer());
                case FLOAT16 -> dst.asShortBuffer().put(ot.getShortBuffer());
                case UINT8, BOOL -> dst.put(ot.getByteBuffer());
            }
            dst.clear().limit((int) t.byteSize());
            outShapeKnown[j] = true;
        }

        boolean anyFreed() {
            for (Tensor t : in) {
                if (t == null || t.isFreed()) {
                    return true;
                }
            }
            for (Tensor t : out) {
                if (t == null || t.isFreed()) {
                    return true;
                }
            }
            return false;
        }

        void close() {
            for (int i = 0; i < inWrappers.length; i++) {
                closeQuietly(inWrappers[i]);
                inWrappers[i] = null;
            }
            for (int j = 0; j < outWrappers.length; j++) {
                closeQuietly(outWrappers[j]);
                outWrappers[j] = null;
            }
            inputMap.clear();
            pinnedMap.clear();
        }
    }

    private OnnxTensor wrap(Tensor t) {
        long[] shape = t.shape();
        try {
            return switch (t.dtype()) {
                case FLOAT32 -> OnnxTensor.createTensor(env, t.floats(), shape);
                case INT64 -> OnnxTensor.createTensor(env, t.longs(), shape);
                case INT32 -> OnnxTensor.createTensor(env, t.ints(), shape);
                case FLOAT16, UINT8, BOOL -> OnnxTensor.createTensor(env, t.buffer(), shape,
                        OnnxBackend.javaType(t.dtype()));
            };
        } catch (OrtException e) {
            throw new InferenceException("ONNX model " + name + ": cannot wrap tensor " + t + ": " + e.getMessage(), e);
        }
    }

    private static void closeQuietly(OnnxTensor t) {
        if (t != null) {
            t.close();
        }
    }
}
