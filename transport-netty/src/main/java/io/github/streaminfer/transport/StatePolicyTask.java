package io.github.streaminfer.transport;

import io.github.streaminfer.backend.ModelSignature;
import io.github.streaminfer.exceptions.InvalidInputException;
import io.github.streaminfer.task.FloatVector;
import io.github.streaminfer.task.InferenceTask;
import io.github.streaminfer.tensor.DType;
import io.github.streaminfer.tensor.Tensor;
import io.github.streaminfer.tensor.TensorSpec;
import io.github.streaminfer.transport.internal.http.ClientText;
import io.github.streaminfer.transport.openpi.NdArray;
import io.github.streaminfer.transport.openpi.OpenPiObservation;
import io.github.streaminfer.transport.vla.VlaFrame;

import java.util.function.Function;

/**
 * A policy task for models whose only input is the robot state vector {@code [1, S]} (float32) and whose first
 * output is the action {@code [1, D]} or chunk {@code [1, H, D]}. The state is taken from the observation by a
 * function ({@link #vla()}: {@code pose} followed by {@code velocity}; {@link #openPi(String)}: an ndarray key),
 * zero-padded when shorter than {@code S}, and rejected when longer or non-finite, as DESIGN.md's protocol decisions
 * say. The camera image is not fed to the model (the transport has already checked its header); policies with an
 * image input use the image-aware policy task of {@code core} instead.
 *
 * <p><b>Note:</b> one instance per session; called on its worker only.
 *
 * @param <I> observation type
 * @since 0.1.0
 */
public final class StatePolicyTask<I> implements InferenceTask<I, FloatVector> {
    private final Function<I, float[]> state;
    private final String what;
    private int stateLength;
    private int outputCapacity = 16;
    private String inputName;

    private StatePolicyTask(Function<I, float[]> state, String what) {
        this.state = state;
        this.what = what;
    }

    /** @return the task for VLA frames: state = pose followed by velocity */
    public static StatePolicyTask<VlaFrame> vla() {
        return new StatePolicyTask<>(VlaFrame::state, "robot_state (pose + velocity)");
    }

    /**
     * @param stateKey the observation key of the state ndarray, e.g. {@code observation/state} or {@code state}
     * @return the task for openpi observations
     */
    public static StatePolicyTask<OpenPiObservation> openPi(String stateKey) {
        return new StatePolicyTask<>(o -> {
            NdArray a = o.array(stateKey);
            if (a == null) {
                throw new InvalidInputException("observation has no '" + ClientText.safe(stateKey)
                        + "' array; keys present: " + ClientText.list(o.values().keySet()));
            }
            return a.toFloats();
        }, "'" + stateKey + "'");
    }

    @Override
    public void bind(ModelSignature model) {
        if (model.inputs().size() != 1 || model.outputs().isEmpty()) {
            throw new IllegalArgumentException("StatePolicyTask needs a model with exactly one (state) input and an "
                    + "action output; the model has " + model);
        }
        TensorSpec in = model.inputs().get(0);
        if (in.dtype() != DType.FLOAT32 || model.outputs().get(0).dtype() != DType.FLOAT32) {
            throw new IllegalArgumentException("StatePolicyTask needs float32 state input and action output; the model "
                    + "has " + model);
        }
        stateLength = (int) in.withDynamicDims(1).elementCount();
        inputName = in.name();
        TensorSpec out = model.outputs().get(0);
        if (out.isStatic()) {
            outputCapacity = (int) out.elementCount();
        }
    }

    /** @return the model's state length S (after {@link #bind}) */
    public int stateLength() {
        return stateLength;
    }

    @Override
    public FloatVector newOutput() {
        return new FloatVector(outputCapacity);
    }

    @Override
    public void preprocess(I observation, Tensor[] inputs) {
        float[] s = state.apply(observation);
        if (s.length > stateLength) {
            throw new InvalidInputException(what + " has " + s.length + " values; model input '" + inputName
                    + "' takes at most " + stateLength);
        }
        for (int i = 0; i < s.length; i++) {
            if (!Float.isFinite(s[i])) {
                throw new InvalidInputException(what + " value " + i + " is " + s[i] + "; only finite values are "
                        + "accepted");
            }
        }
        Tensor t = inputs[0];
        t.putFloats(0, s, 0, s.length);
        for (int i = s.length; i < stateLength; i++) {
            t.putFloat(i, 0f);
        }
    }

    @Override
    public void decode(Tensor[] outputs, FloatVector into) {
        Tensor t = outputs[0];
        int n = (int) t.elementCount();
        into.setLength(n);
        t.getFloats(0, into.array(), 0, n);
    }
}
