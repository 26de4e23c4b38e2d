package io.github.streaminfer.task;

import io.github.streaminfer.backend.ModelSignature;
import io.github.streaminfer.exceptions.InvalidInputException;
import io.github.streaminfer.tensor.DType;
import io.github.streaminfer.tensor.Shapes;
import io.github.streaminfer.tensor.Tensor;
import io.github.streaminfer.tensor.TensorSpec;

/**
 * The simplest task: a {@code float[]} observation fills one float32 input, and one float32 output is copied
 * into a {@link FloatVector}. Useful for state-only policies, signal models whose windowing happens upstream,
 * and tests.
 *
 * <p>The observation must have exactly as many elements as the input tensor; non-finite values are rejected
 * unless allowed. A dynamic leading (batch) dimension becomes 1; any other dynamic dimension
 * ({@code x: float32[?, 3, ?, ?]}) must be fixed with {@link #withInputShape(long...)}, or the session's
 * {@code build()} fails naming the input.
 *
 * <p>The task writes its one input. A model with more inputs needs each of the others written by someone else,
 * or the session's {@code build()} fails naming them: a recurrent state by the session builder's
 * {@code recurrentState(output, input)}, an input meant to stay zero by its {@code zeroInput(name)}.
 *
 * <p><b>Note:</b> one instance per session; called only from its worker. Nothing is allocated per frame.
 *
 * @since 0.1.0
 */
public final class FloatArrayTask implements InferenceTask<float[], FloatVector> {
    private final String inputName;
    private final String outputName;
    private final boolean allowNonFinite;
    private final long[] fixedShape;
    private int inputIndex;
    private int outputIndex;
    private int outputCapacity = 16;
    private String expected;
    private String boundInput;

    private FloatArrayTask(String inputName, String outputName, boolean allowNonFinite, long[] fixedShape) {
        this.inputName = inputName;
        this.outputName = outputName;
        this.allowNonFinite = allowNonFinite;
        this.fixedShape = fixedShape;
    }

    /** {@return a task using the model's first input and first output, rejecting non-finite values} */
    public static FloatArrayTask firstInputOutput() {
        return new FloatArrayTask(null, null, false, null);
    }

    /**
     * {@return the task}
     *
     * @param inputName  the float32 input to fill
     * @param outputName the float32 output to read
     */
    public static FloatArrayTask of(String inputName, String outputName) {
        return new FloatArrayTask(inputName, outputName, false, null);
    }

    /** {@return a copy of this task that passes NaN and infinities through to the model} */
    public FloatArrayTask allowingNonFinite() {
        return new FloatArrayTask(inputName, outputName, true, fixedShape);
    }

    /**
     * Fixes the input's shape, dynamic dimensions included: an image model {@code x: float32[?, 3, ?, ?]} fed
     * 96 × 96 frames takes {@code withInputShape(1, 3, 96, 96)}. Each observation then has exactly as many values.
     *
     * @param shape the concrete shape; every dimension {@code >= 1}, and fixed dimensions must match the model's
     * @return a copy of this task with that shape
     * @since 0.1.0
     */
    public FloatArrayTask withInputShape(long... shape) {
        for (long d : shape) {
            if (d < 1) {
                throw new IllegalArgumentException("input shape is " + Shapes.toString(shape)
                        + "; allowed: every dimension >= 1");
            }
        }
        return new FloatArrayTask(inputName, outputName, allowNonFinite, shape.clone());
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
        boundInput = in.name();
        if (fixedShape != null && !in.accepts(fixedShape)) {
            throw new IllegalArgumentException("input '" + in.name() + "' is " + in + "; the fixed input shape "
                    + Shapes.toString(fixedShape) + " does not fit it; allowed: a shape of rank " + in.rank()
                    + " that keeps the model's fixed dimensions");
        }
        if (in.dtype() != DType.FLOAT32) {
            throw new IllegalArgumentException("input '" + in.name() + "' is " + in.dtype() + "; FloatArrayTask needs FLOAT32");
        }
        if (out.dtype() != DType.FLOAT32) {
            throw new IllegalArgumentException("output '" + out.name() + "' is " + out.dtype() + "; FloatArrayTask needs FLOAT32");
        }
        if (out.isStatic()) {
            outputCapacity = (int) out.elementCount();
        }
        expected = "float32" + Shapes.toString(inputShape(in));
    }

    /** {@return true for the one input this task fills} */
    @Override
    public boolean writesInput(String name) {
        return name.equals(boundInput);
    }

    /**
     * {@return the shape given to {@link #withInputShape(long...)} for the task's input, else the default}
     *
     * @param spec an input spec of the bound model
     */
    @Override
    public long[] inputShape(TensorSpec spec) {
        if (fixedShape != null && spec.name().equals(boundInput)) {
            return fixedShape.clone();
        }
        return InferenceTask.super.inputShape(spec);
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
