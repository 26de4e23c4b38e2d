package io.github.streaminfer.task;

import io.github.streaminfer.backend.ModelSignature;
import io.github.streaminfer.exceptions.InvalidInputException;
import io.github.streaminfer.tensor.DType;
import io.github.streaminfer.tensor.Tensor;
import io.github.streaminfer.tensor.TensorSpec;

/**
 * The simplest task: a {@code float[]} observation fills one float32 input, and one float32 output is copied
 * into a {@link FloatVector}. Useful for state-only policies, signal models whose windowing happens upstream,
 * and tests.
 *
 * <p>The observation must have exactly as many elements as the input tensor; non-finite values are rejected
 * unless allowed.
 */
public final class FloatArrayTask implements InferenceTask<float[], FloatVector> {
    private final String inputName;
    private final String outputName;
    private final boolean allowNonFinite;
    private int inputIndex;
    private int outputIndex;
    private int outputCapacity = 16;
    private String expected;

    private FloatArrayTask(String inputName, String outputName, boolean allowNonFinite) {
        this.inputName = inputName;
        this.outputName = outputName;
        this.allowNonFinite = allowNonFinite;
    }

    /** {@return a task using the model's first input and first output, rejecting non-finite values} */
    public static FloatArrayTask firstInputOutput() {
        return new FloatArrayTask(null, null, false);
    }

    /**
     * {@return the task}
     *
     * @param inputName  the float32 input to fill
     * @param outputName the float32 output to read
     */
    public static FloatArrayTask of(String inputName, String outputName) {
        return new FloatArrayTask(inputName, outputName, false);
    }

    /** {@return a copy of this task that passes NaN and infinities through to the model} */
    public FloatArrayTask allowingNonFinite() {
        return new FloatArrayTask(inputName, outputName, true);
    }

    @Override
    public void bind(ModelSignature model) {
        if (model.inputs().isEmpty() || model.outputs().isEmpty()) {
            throw new IllegalArgumentException("FloatArrayTask needs a model with at least one input and one output; "
                    + "the model has " + model);
        }
        inputIndex = inputName == null ? 0 : model.inputIndex(inputName);
        outputIndex = outputName == null ? 0 : model.outputIndex(outputName);
        TensorSpec in = model.inputs().get(inputIndex);
        TensorSpec out = model.outputs().get(outputIndex);
        if (in.dtype() != DType.FLOAT32) {
            throw new IllegalArgumentException("input '" + in.name() + "' is " + in.dtype() + "; FloatArrayTask needs FLOAT32");
        }
        if (out.dtype() != DType.FLOAT32) {
            throw new IllegalArgumentException("output '" + out.name() + "' is " + out.dtype() + "; FloatArrayTask needs FLOAT32");
        }
        if (out.isStatic()) {
            outputCapacity = (int) out.elementCount();
        }
        expected = "float32" + io.github.streaminfer.tensor.Shapes.toString(in.withDynamicDims(1).shape());
    }

    @Override
    public FloatVector newOutput() {
        return new FloatVector(outputCapacity);
    }

    @Override
    public void preprocess(float[] observation, Tensor[] inputs) {
        Tensor t = inputs[inputIndex];
        if (observation.length != t.elementCount()) {
            throw InvalidInputException.mismatch(t.name(), expected + " (" + t.elementCount() + " values)",
                    observation.length + " values");
        }
        if (!allowNonFinite) {
            for (int i = 0; i < observation.length; i++) {
                if (!Float.isFinite(observation[i])) {
                    throw new InvalidInputException("input '" + t.name() + "': element " + i + " is "
                            + observation[i] + "; only finite values are accepted");
                }
            }
        }
        t.putFloats(0, observation, 0, observation.length);
    }

    @Override
    public void decode(Tensor[] outputs, FloatVector into) {
        Tensor t = outputs[outputIndex];
        int n = (int) t.elementCount();
        into.setLength(n);
        t.getFloats(0, into.array(), 0, n);
    }
}
