package io.github.streaminfer.backend.tensorrt;

import io.github.streaminfer.backend.LoadedModel;
import io.github.streaminfer.backend.RunGuard;
import io.github.streaminfer.backend.Tensors;
import io.github.streaminfer.exceptions.ModelLoadException;
import io.github.streaminfer.tensor.DType;
import io.github.streaminfer.tensor.Shapes;
import io.github.streaminfer.tensor.Tensor;
import io.github.streaminfer.tensor.TensorSpec;
import org.bytedeco.tensorrt.global.nvinfer;
import org.bytedeco.tensorrt.nvinfer.ICudaEngine;
import org.bytedeco.tensorrt.nvinfer.IRuntime;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A TensorRT engine loaded by {@link TensorRtBackend}.
 *
 * <p>Each thread that runs the model gets its own {@link ExecutionSlot}: an execution context, a CUDA stream, pinned
 * host and device buffers. The first slot is allocated at load (so a load that cannot get its memory fails at load)
 * and handed to the first thread that runs; each further thread gets its slot on its first run. A session has one
 * worker thread, so this is one CUDA stream per session; the slots of threads that ended are freed with the model.
 *
 * <p>Inputs with dynamic dimensions accept any shape within the engine's optimisation profile 0 (outside it the run
 * is refused with the allowed range); outputs are reshaped to the shape TensorRT computes. Device and pinned buffers
 * are sized for the profile's maximum shapes.
 *
 * <p><b>Note:</b> {@link #run} is thread-safe (one slot per thread); one tensor array must not be used by two threads
 * at once. {@link #close()} waits for running calls to finish.
 *
 * @since 0.1.0
 */
public final class TensorRtModel implements LoadedModel {
    private static final Logger LOG = LoggerFactory.getLogger(TensorRtModel.class);

    private final IRuntime runtime;
    private final ICudaEngine engine;
    private final String name;
    private final DeviceInfo device;
    private final boolean cudaGraph;
    private final List<TensorSpec> inputs;
    private final List<TensorSpec> outputs;
    private final long[][] minShape;
    private final long[][] optShape;
    private final long[][] maxShape;
    private final RunGuard guard;
    private final AtomicReference<ExecutionSlot> spare = new AtomicReference<>();
    private final List<ExecutionSlot> slots = new CopyOnWriteArrayList<>();
    private final ThreadLocal<ExecutionSlot> perThread = new ThreadLocal<>();

    TensorRtModel(IRuntime runtime, ICudaEngine engine, String name, DeviceInfo device, boolean cudaGraph) {
        this.runtime = runtime;
        this.engine = engine;
        this.name = name;
        this.guard = new RunGuard("TensorRT model " + name);
        this.device = device;
        List<TensorSpec> in = new ArrayList<>();
        List<TensorSpec> out = new ArrayList<>();
        List<long[][]> ranges = new ArrayList<>();
        for (int k = 0; k < engine.getNbIOTensors(); k++) {
            String tensor = engine.getIOTensorName(k);
            nvinfer.DataType type = engine.getTensorDataType(tensor);
            DType dtype = TrtTypes.dtype(type);
            if (dtype == null) {
                throw new ModelLoadException("TensorRT engine " + name + ": tensor '" + tensor + "' has type "
                        + type.intern() + "; supported: " + TrtTypes.supported());
            }
            if (engine.getTensorFormat(tensor).intern() != nvinfer.TensorFormat.kLINEAR) {
                throw new ModelLoadException("TensorRT engine " + name + ": tensor '" + tensor + "' has format "
                        + engine.getTensorFormatDesc(tensor) + "; supported: linear (build without custom I/O formats)");
            }
            if (engine.isShapeInferenceIO(tensor)) {
                throw new ModelLoadException("TensorRT engine " + name + ": tensor '" + tensor + "' is a shape tensor; "
                        + "not supported");
            }
            TensorSpec spec = TensorSpec.of(tensor, dtype, EngineBuilder.shape(engine.getTensorShape(tensor)));
            if (engine.getTensorIOMode(tensor).intern() == nvinfer.TensorIOMode.kINPUT) {
                in.add(spec);
                ranges.add(profileRange(spec));
            } else {
                out.add(spec);
            }
        }
        this.inputs = List.copyOf(in);
        this.outputs = List.copyOf(out);
        minShape = new long[in.size()][];
        optShape = new long[in.size()][];
        maxShape = new long[in.size()][];
        for (int i = 0; i < in.size(); i++) {
            minShape[i] = ranges.get(i)[0];
            optShape[i] = ranges.get(i)[1];
            maxShape[i] = ranges.get(i)[2];
        }
        if (cudaGraph) {
            for (int i = 0; i < in.size(); i++) {
                if (!java.util.Arrays.equals(minShape[i], maxShape[i])) {
                    throw new IllegalArgumentException(TensorRtOptions.CUDA_GRAPH + " is true but input '"
                            + in.get(i).name() + "' takes shapes " + Shapes.toString(minShape[i]) + " .. "
                            + Shapes.toString(maxShape[i]) + "; allowed: only when every input's shape is fixed "
                            + "(profile min = max)");
                }
            }
        }
        this.cudaGraph = cudaGraph;
        ExecutionSlot first = new ExecutionSlot(this);
        slots.add(first);
        spare.set(first);
    }

    private long[][] profileRange(TensorSpec spec) {
        if (spec.isStatic()) {
            long[] s = spec.shape();
            return new long[][]{s, s, s};
        }
        return new long[][]{
                EngineBuilder.shape(engine.getProfileShape(spec.name(), 0, nvinfer.OptProfileSelector.kMIN)),
                EngineBuilder.shape(engine.getProfileShape(spec.name(), 0, nvinfer.OptProfileSelector.kOPT)),
                EngineBuilder.shape(engine.getProfileShape(spec.name(), 0, nvinfer.OptProfileSelector.kMAX))};
    }

    ICudaEngine engine() {
        return engine;
    }

    DeviceInfo device() {
        return device;
    }

    boolean cudaGraph() {
        return cudaGraph;
    }

    /**
     * {@return the smallest shape the engine's profile accepts for it}
     *
     * @param input input index
     */
    public long[] minShape(int input) {
        return minShape[input].clone();
    }

    /**
     * {@return the largest shape the engine's profile accepts for it; buffers are sized for it}
     *
     * @param input input index
     */
    public long[] maxShape(int input) {
        return maxShape[input].clone();
    }

    /** {@return the GPU, e.g. {@code NVIDIA H100 80GB HBM3 (9.0) cuda:0}} */
    public String deviceDescription() {
        return device.name() + " (" + device.computeCapability() + ") cuda:" + device.index();
    }

    @Override
    public String backendId() {
        return TensorRtBackend.ID;
    }

    @Override
    public String modelName() {
        return name;
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
            if (in.length != inputs.size() || out.length != outputs.size()) {
                throw new IllegalArgumentException("TensorRT model " + name + " has " + inputs.size() + " inputs and "
                        + outputs.size() + " outputs; run got " + in.length + " and " + out.length + " tensors");
            }
            slot().run(in, out);
        } finally {
            guard.exit();
        }
    }

    private ExecutionSlot slot() {
        ExecutionSlot s = perThread.get();
        if (s == null) {
            s = spare.getAndSet(null);
            if (s == null) {
                s = new ExecutionSlot(this);
                slots.add(s);
            }
            perThread.set(s);
        }
        return s;
    }

    void checkInput(int i, Tensor t) {
        TensorSpec spec = inputs.get(i);
        boolean ok = t.dtype() == spec.dtype() && t.rank() == spec.rank();
        for (int k = 0; ok && k < spec.rank(); k++) {
            long d = t.dim(k);
            ok = d >= minShape[i][k] && d <= maxShape[i][k];
        }
        if (!ok) {
            throw new IllegalArgumentException("TensorRT model " + name + ": input " + i + " must be " + spec
                    + " with shape in " + Shapes.toString(minShape[i]) + " .. " + Shapes.toString(maxShape[i])
                    + " (the engine's profile), got " + t);
        }
    }

    void checkOutput(int j, Tensor t) {
        TensorSpec spec = outputs.get(j);
        if (t.dtype() != spec.dtype() || t.rank() != spec.rank()) {
            throw new IllegalArgumentException("TensorRT model " + name + ": output " + j + " must be " + spec
                    + ", got " + t);
        }
    }

    /**
     * Runs the model {@code iterations} times on zero-filled inputs of the profile's optimum shapes, on the calling
     * thread's slot, so that the slot exists and TensorRT's lazy work (and the CUDA graph capture, if on) is done.
     *
     * @param iterations number of runs, {@code >= 0}
     */
    @Override
    public void warmup(int iterations) {
        if (iterations < 0) {
            throw new IllegalArgumentException("iterations is " + iterations + "; allowed: >= 0");
        }
        if (iterations == 0) {
            return;
        }
        Tensor[] in = new Tensor[inputs.size()];
        for (int i = 0; i < in.length; i++) {
            in[i] = Tensor.allocate(inputs.get(i), optShape[i]);
        }
        Tensor[] out = Tensors.allocate(outputs, 1);
        try {
            for (int k = 0; k < iterations; k++) {
                run(in, out);
            }
        } finally {
            Tensors.free(in);
            Tensors.free(out);
        }
    }

    @Override
    public void close() {
        if (!guard.closeAndAwait(Duration.ofSeconds(30))) {
            if (guard.active() > 0) {
                LOG.warn("TensorRT model {}: runs still active after 30 s; native resources left allocated", name);
            }
            return;
        }
        for (ExecutionSlot s : slots) {
            s.close();
        }
        slots.clear();
        spare.set(null);
        EngineBuilder.free(engine);
        EngineBuilder.free(runtime);
    }

    @Override
    public String toString() {
        return "TensorRtModel[" + name + " on " + deviceDescription() + ", " + signature() + "]";
    }
}
