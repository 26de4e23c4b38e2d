package io.github.streaminfer.server;

import io.github.streaminfer.backend.LoadedModel;
import io.github.streaminfer.tensor.DType;
import io.github.streaminfer.tensor.TensorSpec;

import java.util.Arrays;
import java.util.List;

/**
 * Names and sizes of the policy's inputs and outputs, read from the model and overridden by the command line.
 *
 * <p><b>Note:</b> immutable once {@link #of} returns it.
 */
final class PolicyShape {
    String image;
    String state;
    String instruction;
    String action;
    int width;
    int height;
    int stateLength;
    int horizon;
    int dim;

    /**
     * {@return the shape of policy {@code m}}
     *
     * @param m the loaded policy
     * @param o the command line (input/output names, image size)
     * @throws IllegalArgumentException if the model lacks an image or state input or a named tensor
     */
    static PolicyShape of(LoadedModel m, ServerOptions o) {
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
                    + Arrays.toString(is) + "; give --image-size WxH");
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

    @Override
    public String toString() {
        return "image '" + image + "' " + width + "x" + height + ", state '" + state + "' [" + stateLength
                + "], action '" + action + "' " + horizon + "x" + dim;
    }
}
