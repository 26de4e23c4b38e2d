package io.github.streaminfer.backend.tensorrt;

import io.github.streaminfer.exceptions.InferenceException;
import io.github.streaminfer.exceptions.ModelLoadException;
import io.github.streaminfer.tensor.Shapes;
import io.github.streaminfer.tensor.Tensor;
import io.github.streaminfer.tensor.TensorSpec;
import org.bytedeco.cuda.cudart.CUgraphExec_st;
import org.bytedeco.cuda.cudart.CUgraph_st;
import org.bytedeco.cuda.cudart.CUstream_st;
import org.bytedeco.cuda.global.cudart;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.tensorrt.global.nvinfer;
import org.bytedeco.tensorrt.nvinfer.Dims64;
import org.bytedeco.tensorrt.nvinfer.IExecutionContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * One session's share of a {@link TensorRtModel}: an execution context, its own CUDA stream, and for every input and
 * output a device buffer and a pinned host buffer, all allocated once, sized for the profile's maximum shapes, and
 * bound with {@code setTensorAddress} once.
 *
 * <p>A run copies the caller's input tensors into the pinned buffers (a CPU memcpy), queues the host-to-device
 * copies, {@code enqueueV3} and the device-to-host copies on the stream, waits for the stream, and copies the pinned
 * outputs into the caller's tensors. With CUDA graphs on, the queued part is captured once (after a first ordinary
 * run, as TensorRT asks) and replayed with one {@code cudaGraphLaunch}. Nothing is allocated per run unless an input
 * shape changes.
 *
 * <p><b>Note:</b> confined to one thread at a time (the model gives each thread its own slot).
 */
final class ExecutionSlot {
    private static final Logger LOG = LoggerFactory.getLogger(ExecutionSlot.class);

    private final TensorRtModel model;
    private final IExecutionContext context;
    private final CUstream_st stream = new CUstream_st();
    private final Pointer[] inDevice;
    private final Pointer[] inHost;
    private final ByteBuffer[] inPinned;
    private final long[] inBytes;
    private final long[][] boundShape;
    private final Dims64[] inDims;
    private Pointer scratch;
    private final Pointer[] outDevice;
    private final Pointer[] outHost;
    private final ByteBuffer[] outPinned;
    private final long[] outCapacity;
    private final long[] outBytes;
    private final long[][] outShape;
    private boolean graphWanted;
    private CUgraph_st graph;
    private CUgraphExec_st graphExec;
    private long runs;

    ExecutionSlot(TensorRtModel model) {
        this.model = model;
        int nIn = model.inputs().size();
        int nOut = model.outputs().size();
        inDevice = new Pointer[nIn];
        inHost = new Pointer[nIn];
        inPinned = new ByteBuffer[nIn];
        inBytes = new long[nIn];
        boundShape = new long[nIn][];
        inDims = new Dims64[nIn];
        outDevice = new Pointer[nOut];
        outHost = new Pointer[nOut];
        outPinned = new ByteBuffer[nOut];
        outCapacity = new long[nOut];
        outBytes = new long[nOut];
        outShape = new long[nOut][];
        graphWanted = model.cudaGraph();
        model.device().makeCurrent();
        // the context's scratch memory is ours (kUSER_MANAGED), so close() frees it with cudaFree: the preset cannot
        // delete TensorRT's own objects (see EngineBuilder.free)
        context = model.engine().createExecutionContext(nvinfer.ExecutionContextAllocationStrategy.kUSER_MANAGED);
        if (context == null || context.isNull()) {
            throw new ModelLoadException("TensorRT model " + model.modelName() + ": createExecutionContext failed: "
                    + TrtLogger.get().errorsSince(0));
        }
        boolean ok = false;
        try {
            long scratchBytes = model.engine().getDeviceMemorySizeV2();
            if (scratchBytes > 0) {
                scratch = deviceAlloc(scratchBytes, "execution context scratch");
                context.setDeviceMemoryV2(scratch, scratchBytes);
            }
            cuda(cudart.cudaStreamCreateWithFlags(stream, cudart.cudaStreamNonBlocking), "cudaStreamCreateWithFlags");
            for (int i = 0; i < nIn; i++) {
                TensorSpec s = model.inputs().get(i);
                inDims[i] = new Dims64();
                long[] max = model.maxShape(i);
                setShape(i, max);
                long bytes = Math.max(1, Shapes.elementCount(max) * s.dtype().byteSize());
                inDevice[i] = deviceAlloc(bytes, s.name());
                inHost[i] = new Pointer();
                cuda(cudart.cudaHostAlloc(inHost[i], bytes, cudart.cudaHostAllocDefault), "cudaHostAlloc(" + s.name() + ")");
                inPinned[i] = view(inHost[i], bytes);
                bind(s.name(), inDevice[i]);
            }
            for (int j = 0; j < nOut; j++) {
                TensorSpec s = model.outputs().get(j);
                long[] max = EngineBuilder.shape(context.getTensorShape(s.name()));
                for (long d : max) {
                    if (d < 0) {
                        throw new ModelLoadException("TensorRT model " + model.modelName() + ": output '" + s.name()
                                + "' has a data-dependent shape " + Shapes.toString(max) + "; not supported (it needs "
                                + "an IOutputAllocator)");
                    }
                }
                outCapacity[j] = Math.max(1, Shapes.elementCount(max) * s.dtype().byteSize());
                outDevice[j] = deviceAlloc(outCapacity[j], s.name());
                outHost[j] = new Pointer();
                cuda(cudart.cudaHostAlloc(outHost[j], outCapacity[j], cudart.cudaHostAllocDefault),
                        "cudaHostAlloc(" + s.name() + ")");
                outPinned[j] = view(outHost[j], outCapacity[j]);
                bind(s.name(), outDevice[j]);
                outShape[j] = max;
                outBytes[j] = Shapes.elementCount(max) * s.dtype().byteSize();
            }
            ok = true;
        } finally {
            if (!ok) {
                close();
            }
        }
    }

    private Pointer deviceAlloc(long bytes, String name) {
        Pointer p = new Pointer();
        cuda(cudart.cudaMalloc(p, bytes), "cudaMalloc(" + name + ", " + bytes + " bytes)");
        return p;
    }

    private static ByteBuffer view(Pointer host, long bytes) {
        BytePointer b = new BytePointer(host);
        b.capacity(bytes);
        b.limit(bytes);
        return b.asByteBuffer().order(ByteOrder.nativeOrder());
    }

    private void bind(String name, Pointer device) {
        if (!context.setTensorAddress(name, device)) {
            throw new ModelLoadException("TensorRT model " + model.modelName() + ": setTensorAddress('" + name
                    + "') failed: " + TrtLogger.get().errorsSince(0));
        }
    }

    private void setShape(int i, long[] shape) {
        Dims64 d = inDims[i];
        d.nbDims(shape.length);
        for (int k = 0; k < shape.length; k++) {
            d.d(k, shape[k]);
        }
        if (!context.setInputShape(model.inputs().get(i).name(), d)) {
            throw new InferenceException("TensorRT model " + model.modelName() + ": setInputShape('"
                    + model.inputs().get(i).name() + "', " + Shapes.toString(shape) + ") failed: "
                    + TrtLogger.get().errorsSince(0));
        }
        boundShape[i] = shape.clone();
    }

    void run(Tensor[] in, Tensor[] out) {
        boolean shapeChanged = false;
        for (int i = 0; i < in.length; i++) {
            Tensor t = in[i];
            model.checkInput(i, t);
            if (!t.hasShape(boundShape[i])) {
                setShape(i, t.shape());
                shapeChanged = true;
            }
            inBytes[i] = t.byteSize();
            ByteBuffer pinned = inPinned[i];
            pinned.clear();
            pinned.put(t.buffer());
        }
        if (shapeChanged) {
            dropGraph();
            for (int j = 0; j < outShape.length; j++) {
                long[] s = EngineBuilder.shape(context.getTensorShape(model.outputs().get(j).name()));
                long bytes = Shapes.elementCount(s) * model.outputs().get(j).dtype().byteSize();
                if (bytes > outCapacity[j]) {
                    throw new InferenceException("TensorRT model " + model.modelName() + ": output '"
                            + model.outputs().get(j).name() + "' needs " + bytes + " bytes for shape "
                            + Shapes.toString(s) + ", more than the " + outCapacity[j] + " sized at load");
                }
                outShape[j] = s;
                outBytes[j] = bytes;
            }
        }
        if (graphExec != null) {
            cuda(cudart.cudaGraphLaunch(graphExec, stream), "cudaGraphLaunch");
        } else {
            enqueue();
        }
        cuda(cudart.cudaStreamSynchronize(stream), "cudaStreamSynchronize");
        for (int j = 0; j < out.length; j++) {
            Tensor t = out[j];
            model.checkOutput(j, t);
            t.reshape(outShape[j]);
            ByteBuffer pinned = outPinned[j];
            pinned.clear().limit((int) outBytes[j]);
            t.buffer().put(pinned);
        }
        runs++;
        if (graphWanted && graphExec == null && runs == 1) {
            capture();
        }
    }

    private void enqueue() {
        for (int i = 0; i < inDevice.length; i++) {
            cuda(cudart.cudaMemcpyAsync(inDevice[i], inHost[i], inBytes[i], cudart.cudaMemcpyHostToDevice, stream),
                    "cudaMemcpyAsync(host to device)");
        }
        if (!context.enqueueV3(stream)) {
            throw new InferenceException("TensorRT model " + model.modelName() + ": enqueueV3 failed: "
                    + TrtLogger.get().errorsSince(0));
        }
        for (int j = 0; j < outDevice.length; j++) {
            cuda(cudart.cudaMemcpyAsync(outHost[j], outDevice[j], outBytes[j], cudart.cudaMemcpyDeviceToHost, stream),
                    "cudaMemcpyAsync(device to host)");
        }
    }

    /** Records the copies and the enqueue into a CUDA graph; on any failure runs on without one. */
    private void capture() {
        graphWanted = false;
        CUgraph_st g = new CUgraph_st();
        int rc = cudart.cudaStreamBeginCapture(stream, cudart.cudaStreamCaptureModeThreadLocal);
        if (rc != cudart.cudaSuccess) {
            LOG.warn("TensorRT model {}: CUDA graph capture not started ({}); running without", model.modelName(),
                    NativeCheck.cudaError(rc));
            return;
        }
        String failure = null;
        try {
            enqueue();
        } catch (RuntimeException e) {
            failure = e.getMessage();
        }
        rc = cudart.cudaStreamEndCapture(stream, g);
        if (failure == null && rc != cudart.cudaSuccess) {
            failure = "cudaStreamEndCapture: " + NativeCheck.cudaError(rc);
        }
        if (failure == null) {
            CUgraphExec_st exec = new CUgraphExec_st();
            rc = cudart.cudaGraphInstantiate(exec, g, 0L);
            if (rc == cudart.cudaSuccess) {
                graph = g;
                graphExec = exec;
                return;
            }
            failure = "cudaGraphInstantiate: " + NativeCheck.cudaError(rc);
        }
        if (!g.isNull()) {
            cudart.cudaGraphDestroy(g);
        }
        LOG.warn("TensorRT model {}: CUDA graph capture failed ({}); running without", model.modelName(), failure);
    }

    private void dropGraph() {
        if (graphExec != null) {
            cudart.cudaGraphExecDestroy(graphExec);
            graphExec = null;
        }
        if (graph != null) {
            cudart.cudaGraphDestroy(graph);
            graph = null;
        }
    }

    /** {@return whether runs replay a captured CUDA graph} */
    boolean usesGraph() {
        return graphExec != null;
    }

    private void cuda(int rc, String what) {
        if (rc != cudart.cudaSuccess) {
            throw new InferenceException("TensorRT model " + model.modelName() + ": " + what + " failed: "
                    + NativeCheck.cudaError(rc));
        }
    }

    /** Frees everything this slot allocated; the caller makes sure no run is in flight. */
    void close() {
        model.device().makeCurrent();
        if (!stream.isNull()) {
            cudart.cudaStreamSynchronize(stream);
        }
        dropGraph();
        for (Pointer p : inDevice) {
            if (p != null && !p.isNull()) {
                cudart.cudaFree(p);
            }
        }
        for (Pointer p : outDevice) {
            if (p != null && !p.isNull()) {
                cudart.cudaFree(p);
            }
        }
        for (Pointer p : inHost) {
            if (p != null && !p.isNull()) {
                cudart.cudaFreeHost(p);
            }
        }
        for (Pointer p : outHost) {
            if (p != null && !p.isNull()) {
                cudart.cudaFreeHost(p);
            }
        }
        if (!stream.isNull()) {
            cudart.cudaStreamDestroy(stream);
        }
        EngineBuilder.free(context);
        if (scratch != null && !scratch.isNull()) {
            cudart.cudaFree(scratch);
        }
    }
}
