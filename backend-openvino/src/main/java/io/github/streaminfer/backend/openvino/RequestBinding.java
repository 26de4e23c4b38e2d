package io.github.streaminfer.backend.openvino;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import io.github.streaminfer.backend.openvino.capi.OpenVinoC;
import io.github.streaminfer.backend.openvino.capi.OvException;
import io.github.streaminfer.backend.openvino.capi.OvShape;
import io.github.streaminfer.backend.openvino.capi.OvStatus;
import io.github.streaminfer.exceptions.InferenceException;
import io.github.streaminfer.tensor.Tensor;
import io.github.streaminfer.tensor.TensorSpec;

import java.nio.ByteBuffer;

/**
 * One caller tensor set bound to one OpenVINO infer request: input tensors and static output tensors over the
 * caller's buffers, set on the request once and replaced only when a tensor, its buffer or its shape changes.
 *
 * <p><b>Note:</b> confined to the thread whose cache holds it; {@link #close()} runs when no run is active.
 */
final class RequestBinding {
    final Tensor[] in;
    final Tensor[] out;
    private final OpenVinoModel model;
    private final OpenVinoC c;
    private final Pointer request;
    /** Out-parameters: a pointer slot at 0 and an {@code ov_shape_t} at 16. */
    private final Memory scratch = new Memory(32);
    private final Pointer shapeSlot = scratch.share(16);
    private final Tensor[] inSeen;
    private final ByteBuffer[] inBuffers;
    private final long[][] inShapes;
    private final Pointer[] inHandles;
    private final Tensor[] outSeen;
    private final ByteBuffer[] outBuffers;
    private final Pointer[] outHandles;
    private final long[][] dynamicShapes;

    RequestBinding(OpenVinoModel model, Tensor[] in, Tensor[] out) {
        int nIn = model.inputs().size();
        int nOut = model.outputs().size();
        if (in.length != nIn || out.length != nOut) {
            throw new IllegalArgumentException("OpenVINO model " + model.modelName() + " has " + nIn + " inputs and "
                    + nOut + " outputs; run got " + in.length + " and " + out.length + " tensors");
        }
        this.model = model;
        this.c = model.runtime().c();
        this.in = in;
        this.out = out;
        inSeen = new Tensor[nIn];
        inBuffers = new ByteBuffer[nIn];
        inShapes = new long[nIn][];
        inHandles = new Pointer[nIn];
        outSeen = new Tensor[nOut];
        outBuffers = new ByteBuffer[nOut];
        outHandles = new Pointer[nOut];
        dynamicShapes = new long[nOut][];
        for (int j = 0; j < nOut; j++) {
            dynamicShapes[j] = new long[model.outputs().get(j).rank()];
        }
        try {
            c.check(c.compiledModelCreateInferRequest(model.compiled(), scratch),
                    "ov_compiled_model_create_infer_request");
        } catch (OvException e) {
            throw failure("cannot create an infer request", e);
        }
        request = scratch.getPointer(0);
    }

    void run() {
        try {
            refreshInputs();
            refreshOutputs();
            c.check(c.inferRequestInfer(request), "ov_infer_request_infer");
            for (int j = 0; j < out.length; j++) {
                if (!model.outputs().get(j).isStatic()) {
                    copyOut(j);
                }
            }
        } catch (OvException e) {
            throw failure("run failed", e);
        }
    }

    private InferenceException failure(String what, OvException e) {
        return new InferenceException("OpenVINO model " + model.modelName() + ": " + what + ": " + e.getMessage(), e);
    }

    private void refreshInputs() {
        for (int i = 0; i < in.length; i++) {
            Tensor t = in[i];
            ByteBuffer buf = t.buffer();
            if (t == inSeen[i] && buf == inBuffers[i] && t.hasShape(inShapes[i])) {
                continue;
            }
            TensorSpec spec = model.inputs().get(i);
            if (t.dtype() != spec.dtype() || !spec.accepts(t.shape())) {
                throw new IllegalArgumentException("OpenVINO model " + model.modelName() + ": input " + i
                        + " must be " + spec + ", got " + t);
            }
            inHandles[i] = bind(false, i, t, model.inputType(i), inHandles[i]);
            inSeen[i] = t;
            inBuffers[i] = buf;
            inShapes[i] = t.shape();
        }
    }

    private void refreshOutputs() {
        for (int j = 0; j < out.length; j++) {
            TensorSpec spec = model.outputs().get(j);
            Tensor t = out[j];
            if (t.dtype() != spec.dtype() || t.rank() != spec.rank()) {
                throw new IllegalArgumentException("OpenVINO model " + model.modelName() + ": output " + j
                        + " must be " + spec + ", got " + t);
            }
            if (!spec.isStatic()) {
                continue;
            }
            if (!t.hasShapeOf(spec)) {
                t.reshape(spec.shape());
            }
            ByteBuffer buf = t.buffer();
            if (t == outSeen[j] && buf == outBuffers[j]) {
                continue;
            }
            outHandles[j] = bind(true, j, t, model.outputType(j), outHandles[j]);
            outSeen[j] = t;
            outBuffers[j] = buf;
        }
    }

    /** Wraps the tensor's buffer in an OpenVINO tensor, sets it on the request and frees the one it replaces. */
    private Pointer bind(boolean output, int index, Tensor t, int type, Pointer previous) {
        int rank = t.rank();
        try (Memory dims = new Memory(Math.max(8, 8L * rank))) {
            for (int k = 0; k < rank; k++) {
                dims.setLong(8L * k, t.dim(k));
            }
            OvShape shape = new OvShape();
            shape.rank = rank;
            shape.dims = dims;
            Pointer host = Native.getDirectBufferPointer(t.buffer());
            c.check(c.tensorCreateFromHostPtr(type, shape, host, scratch), "ov_tensor_create_from_host_ptr");
        }
        Pointer handle = scratch.getPointer(0);
        int status = c.inferRequestSetTensor(request, output, index, handle);
        if (status != OvStatus.OK) {
            OvException e = new OvException(output ? "ov_infer_request_set_output_tensor_by_index"
                    : "ov_infer_request_set_input_tensor_by_index", status, c.errorText(status));
            c.tensorFree(handle);
            throw e;
        }
        if (previous != null) {
            c.tensorFree(previous);
        }
        return handle;
    }

    /** Copies a dynamic output from the request's own tensor into the caller's tensor, reshaping it. */
    private void copyOut(int j) {
        c.check(c.inferRequestGetOutputTensor(request, j, scratch), "ov_infer_request_get_output_tensor_by_index");
        Pointer handle = scratch.getPointer(0);
        try {
            c.check(c.tensorGetShape(handle, shapeSlot), "ov_tensor_get_shape");
            long[] shape = dynamicShapes[j];
            long rank = shapeSlot.getLong(OvShape.RANK_OFFSET);
            try {
                if (rank != shape.length) {
                    throw new InferenceException("OpenVINO model " + model.modelName() + ": output "
                            + model.outputs().get(j).name() + " came back with rank " + rank + ", expected "
                            + shape.length);
                }
                Pointer dims = shapeSlot.getPointer(OvShape.DIMS_OFFSET);
                for (int k = 0; k < shape.length; k++) {
                    shape[k] = dims.getLong(8L * k);
                }
            } finally {
                c.shapeFree(shapeSlot);
            }
            Tensor t = out[j];
            t.reshape(shape);
            long bytes = t.byteSize();
            if (bytes > 0) {
                c.check(c.tensorData(handle, scratch), "ov_tensor_data");
                t.buffer().put(scratch.getPointer(0).getByteBuffer(0, bytes));
            }
        } finally {
            c.tensorFree(handle);
        }
    }

    /** Frees the request first, then the tensor handles (the request holds its own references). */
    void close() {
        c.inferRequestFree(request);
        for (int i = 0; i < inHandles.length; i++) {
            if (inHandles[i] != null) {
                c.tensorFree(inHandles[i]);
                inHandles[i] = null;
            }
        }
        for (int j = 0; j < outHandles.length; j++) {
            if (outHandles[j] != null) {
                c.tensorFree(outHandles[j]);
                outHandles[j] = null;
            }
        }
        scratch.close();
    }
}
