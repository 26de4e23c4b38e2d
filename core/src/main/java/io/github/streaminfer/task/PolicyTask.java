package io.github.streaminfer.task;

import io.github.streaminfer.backend.ModelSignature;
import io.github.streaminfer.exceptions.InvalidInputException;
import io.github.streaminfer.image.ImageDecoder;
import io.github.streaminfer.image.ImageGeometry;
import io.github.streaminfer.image.ImageSpec;
import io.github.streaminfer.tensor.DType;
import io.github.streaminfer.tensor.Tensor;
import io.github.streaminfer.tensor.TensorSpec;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A robot policy: camera image(s) + robot state + instruction → one action {@code [1, D]} or an action chunk
 * {@code [1, H, D]}.
 *
 * <ul>
 *   <li>Images: each configured image input gets the matching camera frame of the observation (encoded or raw),
 *       resized to the model's size, RGB, scaled to [0, 1] with the {@link ImageSpec}'s mean/std.</li>
 *   <li>State: {@code pose} followed by {@code velocity} (either may be absent), zero-padded to the state input's
 *       length; a longer state is rejected with a clear error, and so are non-finite values.</li>
 *   <li>Instruction (optional input): int64 token ids {@code [1, L]} from the {@link Tokenizer} (default: the
 *       UTF-8 bytes, truncated or zero-padded to L).</li>
 * </ul>
 *
 * <p><b>Note:</b> one instance per session; called only from its worker.
 *
 * @since 0.1.0
 */
public final class PolicyTask implements InferenceTask<PolicyObservation, ActionChunk> {

    /** Turns an instruction into token ids. */
    @FunctionalInterface
    public interface Tokenizer {
        /**
         * Writes token ids for {@code text} into {@code ids} (pre-filled with zeros).
         *
         * @param text the instruction, never null
         * @param ids  destination, its length is the model's token count
         */
        void tokenize(String text, long[] ids);
    }

    /** The default tokenizer: UTF-8 bytes as ids 1..255 (0 is padding), truncated to the input length. */
    public static final Tokenizer UTF8_BYTES = (text, ids) -> {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        int n = Math.min(b.length, ids.length);
        for (int i = 0; i < n; i++) {
            ids[i] = b[i] & 0xFF;
        }
    };

    private final List<String> imageNames;
    private final ImageInput[] images;
    private final ImageGeometry geometry = new ImageGeometry();
    private final String stateName;
    private final String instructionName;
    private final String actionName;
    private final Tokenizer tokenizer;
    private int[] imageIndex;
    private int stateIndex = -1;
    private int instructionIndex = -1;
    private int actionIndex;
    private int stateDim;
    private long[] tokens = new long[0];
    private String lastInstruction;
    private int horizon = 1;
    private int dim = 1;

    private PolicyTask(Builder b) {
        this.imageNames = List.copyOf(b.imageNames);
        this.images = new ImageInput[imageNames.size()];
        for (int i = 0; i < images.length; i++) {
            images[i] = new ImageInput(b.imageSpecs.get(i), b.decoder);
        }
        this.stateName = b.stateName;
        this.instructionName = b.instructionName;
        this.actionName = b.actionName;
        this.tokenizer = b.tokenizer;
    }

    /** {@return a builder} */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public void bind(ModelSignature model) {
        imageIndex = new int[images.length];
        for (int i = 0; i < images.length; i++) {
            imageIndex[i] = model.inputIndex(imageNames.get(i));
            images[i].bind(model.inputs().get(imageIndex[i]), 1);
        }
        if (stateName != null) {
            stateIndex = model.inputIndex(stateName);
            TensorSpec s = model.inputs().get(stateIndex);
            if (s.dtype() != DType.FLOAT32 || s.rank() != 2 || s.dim(1) < 1) {
                throw new IllegalArgumentException("state input '" + s.name() + "' is " + s
                        + "; PolicyTask needs float32 [1, S] with a fixed S");
            }
            stateDim = (int) s.dim(1);
        }
        if (instructionName != null) {
            instructionIndex = model.inputIndex(instructionName);
            TensorSpec s = model.inputs().get(instructionIndex);
            if (s.dtype() != DType.INT64 || s.rank() != 2 || s.dim(1) < 1) {
                throw new IllegalArgumentException("instruction input '" + s.name() + "' is " + s
                        + "; PolicyTask needs int64 token ids [1, L] with a fixed L");
            }
            tokens = new long[(int) s.dim(1)];
        }
        actionIndex = actionName == null ? 0 : model.outputIndex(actionName);
        TensorSpec a = model.outputs().get(actionIndex);
        if (a.dtype() != DType.FLOAT32 || (a.rank() != 2 && a.rank() != 3)) {
            throw new IllegalArgumentException("action output '" + a.name() + "' is " + a
                    + "; PolicyTask needs float32 [1, D] or [1, H, D]");
        }
        dim = (int) Math.max(1, a.dim(a.rank() - 1));
        horizon = a.rank() == 3 ? (int) Math.max(1, a.dim(1)) : 1;
    }

    /** {@return true for the image, state and instruction inputs this task was built with} */
    @Override
    public boolean writesInput(String name) {
        return imageNames.contains(name) || name.equals(stateName) || name.equals(instructionName);
    }

    @Override
    public long[] inputShape(TensorSpec spec) {
        for (int i = 0; i < images.length; i++) {
            if (spec.name().equals(imageNames.get(i))) {
                return images[i].bind(spec, 1);
            }
        }
        return InferenceTask.super.inputShape(spec);
    }

    @Override
    public ActionChunk newOutput() {
        return new ActionChunk(horizon, dim);
    }

    @Override
    public void preprocess(PolicyObservation obs, Tensor[] inputs) {
        if (stateIndex >= 0) {
            writeState(obs, inputs[stateIndex]);
        }
        for (int i = 0; i < images.length; i++) {
            ImageFrame f = obs.image(i);
            if (f == null || !f.isSet()) {
                throw new InvalidInputException("input '" + imageNames.get(i) + "': observation has no image for camera "
                        + i + " (it has " + obs.images().length + ")");
            }
            images[i].write(f, inputs[imageIndex[i]], 0, geometry);
        }
        if (instructionIndex >= 0) {
            String text = obs.instruction() == null ? "" : obs.instruction();
            if (!text.equals(lastInstruction)) { // tokenize only when the instruction changes
                java.util.Arrays.fill(tokens, 0L);
                tokenizer.tokenize(text, tokens);
                lastInstruction = text;
            }
            Tensor t = inputs[instructionIndex];
            for (int i = 0; i < tokens.length; i++) {
                t.putLong(i, tokens[i]);
            }
        }
    }

    private void writeState(PolicyObservation obs, Tensor t) {
        float[] pose = obs.pose();
        float[] vel = obs.velocity();
        int np = pose == null ? 0 : pose.length;
        int nv = vel == null ? 0 : vel.length;
        if (np + nv > stateDim) {
            throw new InvalidInputException("input '" + t.name() + "': robot state has " + np + " pose + " + nv
                    + " velocity = " + (np + nv) + " values; the model takes at most " + stateDim);
        }
        checkFinite(t.name(), "pose", pose, np);
        checkFinite(t.name(), "velocity", vel, nv);
        for (int i = 0; i < np; i++) {
            t.putFloat(i, pose[i]);
        }
        for (int i = 0; i < nv; i++) {
            t.putFloat(np + i, vel[i]);
        }
        for (int i = np + nv; i < stateDim; i++) {
            t.putFloat(i, 0f);
        }
    }

    private static void checkFinite(String input, String field, float[] v, int n) {
        for (int i = 0; i < n; i++) {
            if (!Float.isFinite(v[i])) {
                throw new InvalidInputException("input '" + input + "': " + field + "[" + i + "] is " + v[i]
                        + "; only finite values are accepted");
            }
        }
    }

    @Override
    public void decode(Tensor[] outputs, ActionChunk into) {
        Tensor t = outputs[actionIndex];
        int d = (int) t.dim(t.rank() - 1);
        int h = t.rank() == 3 ? (int) t.dim(1) : 1;
        into.set(h, d);
        t.getFloats(0, into.array(), 0, h * d);
    }

    /** Closes the image decoders (given to the builder or looked up). */
    @Override
    public void close() {
        for (ImageInput image : images) {
            image.close();
        }
    }

    /** Builder for {@link PolicyTask}. */
    public static final class Builder {
        private final List<String> imageNames = new ArrayList<>();
        private final List<ImageSpec> imageSpecs = new ArrayList<>();
        private ImageDecoder decoder;
        private String stateName;
        private String instructionName;
        private String actionName;
        private Tokenizer tokenizer = UTF8_BYTES;

        private Builder() {
        }

        /**
         * Adds a camera: the observation's image {@code n} (in the order cameras are added) goes into this input.
         *
         * @param input model input name
         * @param spec  size, layout and normalisation
         * @return this
         */
        public Builder image(String input, ImageSpec spec) {
            imageNames.add(Objects.requireNonNull(input, "input"));
            imageSpecs.add(Objects.requireNonNull(spec, "spec"));
            return this;
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

        /**
         * Sets {@code state}.
         *
         * @param input the float32 [1, S] state input
         * @return this
         */
        public Builder state(String input) {
            this.stateName = input;
            return this;
        }

        /**
         * Sets {@code instruction}.
         *
         * @param input the int64 [1, L] instruction token input
         * @return this
         */
        public Builder instruction(String input) {
            this.instructionName = input;
            return this;
        }

        /**
         * Sets {@code instruction}.
         *
         * @param input     the int64 [1, L] instruction token input
         * @param tokenizer how text becomes token ids
         * @return this
         */
        public Builder instruction(String input, Tokenizer tokenizer) {
            this.instructionName = input;
            this.tokenizer = Objects.requireNonNull(tokenizer, "tokenizer");
            return this;
        }

        /**
         * Sets {@code action}.
         *
         * @param output the action output (default: the first output)
         * @return this
         */
        public Builder action(String output) {
            this.actionName = output;
            return this;
        }

        /** {@return the task} */
        public PolicyTask build() {
            if (imageNames.isEmpty() && stateName == null) {
                throw new IllegalArgumentException("PolicyTask needs at least one image input or a state input");
            }
            return new PolicyTask(this);
        }
    }
}
