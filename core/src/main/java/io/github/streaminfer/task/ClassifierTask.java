package io.github.streaminfer.task;

import io.github.streaminfer.backend.ModelSignature;
import io.github.streaminfer.image.ImageDecoder;
import io.github.streaminfer.image.ImageGeometry;
import io.github.streaminfer.image.ImageSpec;
import io.github.streaminfer.tensor.DType;
import io.github.streaminfer.tensor.Tensor;
import io.github.streaminfer.tensor.TensorSpec;

import java.util.List;
import java.util.Objects;

/**
 * Image → class scores → top-k. The image (encoded or {@link RawImage}) is fitted and normalised into the model's
 * image input as the {@link ImageSpec} says; the output {@code [1, C]} (or {@code [C]}) is passed through the
 * {@link Activation} and ranked.
 *
 * <pre>{@code
 * ClassifierTask task = ClassifierTask.builder(ImageSpec.builder(192, 48)
 *         .normalize(new float[] {0.5f, 0.5f, 0.5f}, new float[] {0.5f, 0.5f, 0.5f}).build())
 *     .labels(List.of("0", "180")).topK(2).build();
 * }</pre>
 *
 * <p><b>Note:</b> one instance per session; called only from its worker.
 *
 * @since 0.1.0
 */
public final class ClassifierTask implements InferenceTask<ImageFrame, Classification> {
    private final ImageInput image;
    private final String inputName;
    private final String outputName;
    private final Activation activation;
    private final int topK;
    private final List<String> labels;
    private final ImageGeometry geometry = new ImageGeometry();
    private int inputIndex;
    private int outputIndex;
    private int classes = 2;
    private String boundInput;

    private ClassifierTask(Builder b) {
        this.image = new ImageInput(b.spec, b.decoder);
        this.inputName = b.inputName;
        this.outputName = b.outputName;
        this.activation = b.activation;
        this.topK = b.topK;
        this.labels = List.copyOf(b.labels);
    }

    /**
     * {@return a builder}
     *
     * @param spec how images become the input tensor
     */
    public static Builder builder(ImageSpec spec) {
        return new Builder(spec);
    }

    @Override
    public void bind(ModelSignature model) {
        if (model.inputs().isEmpty() || model.outputs().isEmpty()) {
            throw new IllegalArgumentException("ClassifierTask needs a model with an input and an output; the model has "
                    + model);
        }
        inputIndex = inputName == null ? 0 : model.inputIndex(inputName);
        outputIndex = outputName == null ? 0 : model.outputIndex(outputName);
        image.bind(model.inputs().get(inputIndex), 1);
        boundInput = model.inputs().get(inputIndex).name();
        TensorSpec out = model.outputs().get(outputIndex);
        if (out.dtype() != DType.FLOAT32 || out.rank() < 1 || out.rank() > 2) {
            throw new IllegalArgumentException("output '" + out.name() + "' is " + out
                    + "; ClassifierTask needs float32 [N, classes] or [classes]");
        }
        long c = out.dim(out.rank() - 1);
        if (c > 0) {
            classes = (int) c;
        }
    }

    /** {@return true for the image input this task fills} */
    @Override
    public boolean writesInput(String name) {
        return name.equals(boundInput);
    }

    @Override
    public long[] inputShape(TensorSpec spec) {
        if (spec.name().equals(boundInput)) {
            return image.bind(spec, 1);
        }
        return InferenceTask.super.inputShape(spec);
    }

    @Override
    public Classification newOutput() {
        return new Classification(classes, topK, labels);
    }

    @Override
    public void preprocess(ImageFrame observation, Tensor[] inputs) {
        image.write(observation, inputs[inputIndex], 0, geometry);
    }

    @Override
    public void decode(Tensor[] outputs, Classification into) {
        Tensor t = outputs[outputIndex];
        int count = (int) t.dim(t.rank() - 1);
        into.fill(t, 0, count, activation, -1);
    }

    /** Closes the image decoder (given to the builder or looked up). */
    @Override
    public void close() {
        image.close();
    }

    /** Builder for {@link ClassifierTask}. */
    public static final class Builder extends TaskBuilder.Scores<Builder> {
        private final ImageSpec spec;
        private ImageDecoder decoder;

        private Builder(ImageSpec spec) {
            super(5);
            this.spec = Objects.requireNonNull(spec, "spec");
        }

        /**
         * Sets {@code decoder}.
         *
         * @param decoder decoder for encoded frames (default: the best one found when first needed); the task owns it
         *                and closes it when its session closes, so give each task its own
         * @return this
         */
        public Builder decoder(ImageDecoder decoder) {
            this.decoder = decoder;
            return this;
        }

        /** {@return the task} */
        public ClassifierTask build() {
            return new ClassifierTask(this);
        }
    }
}
