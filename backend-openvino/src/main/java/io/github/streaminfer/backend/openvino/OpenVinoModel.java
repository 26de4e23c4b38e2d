package io.github.streaminfer.backend.openvino;

import com.sun.jna.Pointer;
import io.github.streaminfer.backend.LoadedModel;
import io.github.streaminfer.backend.RunGuard;
import io.github.streaminfer.tensor.Tensor;
import io.github.streaminfer.tensor.TensorSpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A model compiled by {@link OpenVinoBackend}.
 *
 * <p>Each caller tensor set (the identity of the {@code inputs} and {@code outputs} arrays, per thread) gets its own
 * OpenVINO infer request, kept in a small per-thread table, because an infer request serves one caller at a time.
 * Inputs are OpenVINO tensors over the caller's direct buffers ({@code ov_tensor_create_from_host_ptr}, no copy),
 * set once and replaced only when a tensor, its buffer or its shape changes; static outputs are bound the same way, so
 * OpenVINO writes straight into the caller's buffers. Outputs with dynamic dimensions are read after each run and
 * copied into the caller's tensors, which are reshaped.
 *
 * <p>Native objects: the model owns its OpenVINO core and compiled model, and each binding its infer request and
 * tensor handles; {@link #close()} frees each of them exactly once.
 *
 * <p><b>Note:</b> {@link #run} is thread-safe for different tensor arrays (several sessions may share one model); one
 * tensor array must not be used by two threads at once. {@link #close()} waits for running calls to finish.
 *
 * @since 0.1.0
 */
public final class OpenVinoModel implements LoadedModel {
    private static final Logger LOG = LoggerFactory.getLogger(OpenVinoModel.class);
    private static final int CACHE_PER_THREAD = 4;

    private final OpenVinoRuntime runtime;
    private final Pointer core;
    private final Pointer compiled;
    private final String name;
    private final OpenVinoOptions options;
    private final List<TensorSpec> inputs;
    private final List<TensorSpec> outputs;
    private final int[] inputTypes;
    private final int[] outputTypes;
    private final RunGuard guard;
    private final Set<RequestBinding> bindings = ConcurrentHashMap.newKeySet();
    private final ThreadLocal<RequestBinding[]> perThread =
            ThreadLocal.withInitial(() -> new RequestBinding[CACHE_PER_THREAD]);

    OpenVinoModel(OpenVinoRuntime runtime, Pointer core, Pointer compiled, String name, OpenVinoOptions options,
                  List<TensorSpec> inputs, int[] inputTypes, List<TensorSpec> outputs, int[] outputTypes) {
        this.runtime = runtime;
        this.core = core;
        this.compiled = compiled;
        this.name = name;
        this.guard = new RunGuard("OpenVINO model " + name);
        this.options = options;
        this.inputs = inputs;
        this.outputs = outputs;
        this.inputTypes = inputTypes;
        this.outputTypes = outputTypes;
    }

    @Override
    public String backendId() {
        return OpenVinoBackend.ID;
    }

    @Override
    public String modelName() {
        return name;
    }

    /** {@return the OpenVINO device string the model was compiled for, e.g. {@code CPU}} */
    public String device() {
        return options.device();
    }

    /** {@return the properties the model was compiled with, e.g. {@code PERFORMANCE_HINT=LATENCY}} */
    public java.util.Map<String, String> compileProperties() {
        return options.properties();
    }

    @Override
    public List<TensorSpec> inputs() {
        return inputs;
    }

    @Override
    public List<TensorSpec> outputs() {
        return outputs;
    }

    OpenVinoRuntime runtime() {
        return runtime;
    }

    Pointer compiled() {
        return compiled;
    }

    int inputType(int i) {
        return inputTypes[i];
    }

    int outputType(int j) {
        return outputTypes[j];
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

    private RequestBinding binding(Tensor[] in, Tensor[] out) {
        RequestBinding[] cache = perThread.get();
        for (int i = 0; i < cache.length; i++) {
            RequestBinding b = cache[i];
            if (b != null && b.in == in && b.out == out) {
                if (i > 0) { // move to front
                    System.arraycopy(cache, 0, cache, 1, i);
                    cache[0] = b;
                }
                return b;
            }
        }
        RequestBinding b = new RequestBinding(this, in, out);
        RequestBinding evicted = cache[cache.length - 1];
        System.arraycopy(cache, 0, cache, 1, cache.length - 1);
        cache[0] = b;
        bindings.add(b);
        if (evicted != null && bindings.remove(evicted)) {
            evicted.close();
        }
        return b;
    }

    /** {@return the number of live infer requests (for tests: one per caller tensor set and thread)} */
    int bindingCount() {
        return bindings.size();
    }

    @Override
    public void close() {
        if (!guard.closeAndAwait(Duration.ofSeconds(30))) {
            if (guard.active() > 0) {
                LOG.warn("OpenVINO model {}: runs still active after 30 s; native objects left allocated", name);
            }
            return;
        }
        for (RequestBinding b : bindings) {
            if (bindings.remove(b)) {
                b.close();
            }
        }
        runtime.c().compiledModelFree(compiled);
        runtime.c().coreFree(core);
    }

    @Override
    public String toString() {
        return "OpenVinoModel[" + name + " on " + options.device() + ", " + signature() + "]";
    }
}
