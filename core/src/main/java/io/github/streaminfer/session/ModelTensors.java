package io.github.streaminfer.session;

import io.github.streaminfer.backend.ModelSignature;
import io.github.streaminfer.backend.Tensors;
import io.github.streaminfer.task.InferenceTask;
import io.github.streaminfer.tensor.Shapes;
import io.github.streaminfer.tensor.Tensor;

import java.util.List;
import java.util.Map;

/**
 * A session's input and output tensors: allocated once for the model while the session is built, at the shapes
 * {@link InputPlan} decides, with each recurrent state output checked against the input it feeds.
 *
 * <p><b>Note:</b> built on the thread that builds the session; afterwards used by the session's worker alone, and
 * freed once by the thread that cleans up when nothing else runs. {@link #feedBackState()} and
 * {@link #zeroState()} allocate nothing.
 */
final class ModelTensors {
    /** The model's inputs, in model input order. */
    final Tensor[] inputs;
    /** The model's outputs, in model output order. */
    final Tensor[] outputs;
    /** Output index of each recurrent state, paired with {@link #stateInputs}. */
    private final int[] stateOutputs;
    /** Input index that each recurrent state output feeds. */
    private final int[] stateInputs;

    /**
     * Allocates the tensors.
     *
     * @param signature        the model's signature
     * @param task             the task, already bound to {@code signature}
     * @param stateOutputNames outputs holding the next recurrent state, paired with {@code stateInputNames}
     * @param stateInputNames  inputs taking the recurrent state
     * @param zeroInputs       inputs declared to stay zero
     * @param inputShapes      shapes fixed on the session builder, by input name
     * @throws IllegalArgumentException if an input is written by no one or has no concrete shape that fits (see
     *                                  {@link InputPlan}), or if a state output does not fit its input
     */
    ModelTensors(ModelSignature signature, InferenceTask<?, ?> task, List<String> stateOutputNames,
                 List<String> stateInputNames, List<String> zeroInputs, Map<String, long[]> inputShapes) {
        long[][] shapes = InputPlan.shapes(signature, task, stateInputNames, zeroInputs, inputShapes);
        this.inputs = new Tensor[signature.inputs().size()];
        for (int i = 0; i < inputs.length; i++) {
            inputs[i] = Tensor.allocate(signature.inputs().get(i), shapes[i]);
        }
        this.outputs = Tensors.allocate(signature.outputs(), 1);
        this.stateOutputs = new int[stateOutputNames.size()];
        this.stateInputs = new int[stateInputNames.size()];
        for (int i = 0; i < stateOutputs.length; i++) {
            stateOutputs[i] = signature.outputIndex(stateOutputNames.get(i));
            stateInputs[i] = signature.inputIndex(stateInputNames.get(i));
            Tensor out = outputs[stateOutputs[i]];
            Tensor in = inputs[stateInputs[i]];
            // the output spec may leave dimensions dynamic (Silero VAD declares stateN as [?, ?, ?]); it must accept
            // the state input's concrete shape
            if (out.dtype() != in.dtype() || !out.spec().accepts(in.shape())) {
                throw new IllegalArgumentException("recurrent state output '" + out.name() + "' " + out.dtype()
                        + Shapes.toString(out.spec().shape()) + " does not fit input '" + in.name() + "' "
                        + in.dtype() + Shapes.toString(in.shape()));
            }
        }
    }

    /** Copies each recurrent state output into the input it feeds, after a run. */
    void feedBackState() {
        for (int i = 0; i < stateOutputs.length; i++) {
            inputs[stateInputs[i]].copyFrom(outputs[stateOutputs[i]]);
        }
    }

    /** Zeroes every recurrent state input, as at the session's start. */
    void zeroState() {
        for (int i : stateInputs) {
            inputs[i].zero();
        }
    }

    /** Frees every tensor; the session's inputs and outputs are unusable afterwards. */
    void free() {
        Tensors.free(inputs);
        Tensors.free(outputs);
    }
}
