package io.github.streaminfer.task;

import io.github.streaminfer.backend.ModelSignature;
import io.github.streaminfer.exceptions.InvalidInputException;
import io.github.streaminfer.tensor.DType;
import io.github.streaminfer.tensor.Shapes;
import io.github.streaminfer.tensor.Tensor;
import io.github.streaminfer.tensor.TensorSpec;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A multichannel sliding window over a sample stream (EMG, audio, IMU): each observation is a block of
 * interleaved samples ({@code frames × channels}: {@code s0c0, s0c1, …, s1c0, …}); once {@code window} samples per
 * channel are buffered and {@code hop} new ones arrived since the last inference, the newest window is written into
 * the model's signal input (optionally z-scored per channel) and the model runs. The output scores become a
 * {@link Classification}.
 *
 * <p>The signal input is {@code [1, channels, window]} ({@link Layout#CHANNELS_FIRST}, EMG models),
 * {@code [1, window, channels]} ({@link Layout#CHANNELS_LAST}) or, for one channel, {@code [1, window]} (audio models
 * such as Silero VAD). Other inputs can be given constant values (Silero's {@code sr}); recurrent state inputs are
 * left to the session ({@code recurrentState("stateN", "state")}), which feeds them back and zeroes them on reset.
 *
 * <p>If one block completes several hops, only the newest window is inferred (real time: the freshest wins); feed
 * blocks of {@code hop} frames for one inference per block. Non-finite samples are rejected and leave the window
 * unchanged.
 *
 * <p>Blocks are parts of one stream, so a block that never reaches the task corrupts every window it belongs to
 * ({@link #streamContinuous()} is true). A session therefore gives this task a lossless ingress: its default
 * {@code LATEST_ONLY} becomes {@code IngressPolicy.rejectNewest(1024)} (a full queue is refused with
 * {@code REJECTED_FULL}, never replaced), {@code IngressPolicy.block(n)} makes a producer wait instead, and a lossy
 * {@code DROP_OLDEST} is refused at {@code build()} unless the session builder's {@code allowLossyIngress(true)}
 * says the loss is intended.
 *
 * <p><b>Recurrent models</b> (Silero VAD's {@code state} → {@code stateN}) need the session builder's
 * {@code recurrentState(output, input)}: this task writes only the signal input and its constants, and a state input
 * nobody writes would stay zero and run the model silently wrong. The session's {@code build()} therefore fails for
 * any input that neither this task, a recurrent state nor an explicit {@code zeroInput(name)} writes, naming it.
 *
 * <p><b>Note:</b> one instance per session; called only from its worker. Nothing is allocated per block.
 *
 * @since 0.1.0
 */
public final class SignalWindowTask implements InferenceTask<float[], Classification> {

    /** Where the channel axis goes in the signal input. */
    public enum Layout {
        /** {@code [1, channels, window]}, or {@code [1, window]} for one channel. */
        CHANNELS_FIRST,
        /** {@code [1, window, channels]}. */
        CHANNELS_LAST
    }

    /** Per-window normalisation. */
    public enum Normalization {
        /** Samples as they are. */
        NONE,
        /** Per channel: subtract the window's mean and divide by its standard deviation (plus a small epsilon). */
        ZSCORE
    }

    private final int channels;
    private final int window;
    private final int hop;
    private final Layout layout;
    private final Normalization normalization;
    private final String inputName;
    private final String outputName;
    private final Activation activation;
    private final int topK;
    private final List<String> labels;
    private final Map<String, Number> constants;
    private final float[] ring;
    private final float[] windowScratch;
    private final float[] mean;
    private final float[] invStd;
    private int writePos;
    private long total;
    private long sinceLast;
    private boolean ready;
    private int inputIndex;
    private int outputIndex;
    private int classes = 1;
    private String boundInput;
    private int[] constantIndex = new int[0];
    private Number[] constantValue = new Number[0];

    private SignalWindowTask(Builder b) {
        this.channels = b.channels;
        this.window = b.window;
        this.hop = b.hop;
        this.layout = b.layout;
        this.normalization = b.normalization;
        this.inputName = b.inputName;
        this.outputName = b.outputName;
        this.activation = b.activation;
        this.topK = b.topK;
        this.labels = List.copyOf(b.labels);
        this.constants = new LinkedHashMap<>(b.constants);
        this.ring = new float[channels * window];
        this.windowScratch = new float[channels * window];
        this.mean = new float[channels];
        this.invStd = new float[channels];
    }

    /**
     * {@return a builder}
     *
     * @param channels samples per frame, {@code >= 1}
     * @param window   frames per window, {@code >= 1}
     * @param hop      new frames between inferences, {@code 1..window}
     */
    public static Builder builder(int channels, int window, int hop) {
        return new Builder(channels, window, hop);
    }

    /** {@return true: blocks are consecutive parts of one stream and must all reach the window, in order} */
    @Override
    public boolean streamContinuous() {
        return true;
    }

    @Override
    public void bind(ModelSignature model) {
        if (model.inputs().isEmpty() || model.outputs().isEmpty()) {
            throw new IllegalArgumentException("SignalWindowTask needs a model with an input and an output; the model "
                    + "has " + model);
        }
        inputIndex = inputName == null ? 0 : model.inputIndex(inputName);
        outputIndex = outputName == null ? 0 : model.outputIndex(outputName);
        TensorSpec in = model.inputs().get(inputIndex);
        boundInput = in.name();
        long[] want = signalShape(in);
        if (in.dtype() != DType.FLOAT32 || !in.accepts(want)) {
            throw new IllegalArgumentException("input '" + in.name() + "' is " + in + "; a window of " + channels
                    + " channel(s) x " + window + " samples (" + layout + ") needs float32" + Shapes.toString(want));
        }
        TensorSpec out = model.outputs().get(outputIndex);
        if (out.dtype() != DType.FLOAT32) {
            throw new IllegalArgumentException("output '" + out.name() + "' is " + out + "; SignalWindowTask needs float32");
        }
        long c = out.rank() == 0 ? 1 : out.dim(out.rank() - 1);
        classes = c > 0 ? (int) c : 1;
        List<Integer> idx = new ArrayList<>();
        List<Number> val = new ArrayList<>();
        for (Map.Entry<String, Number> e : constants.entrySet()) {
            int i = model.inputIndex(e.getKey());
            DType t = model.inputs().get(i).dtype();
            if (t != DType.FLOAT32 && t != DType.INT64 && t != DType.INT32) {
                throw new IllegalArgumentException("constant input '" + e.getKey() + "' is " + t
                        + "; allowed: float32, int64, int32");
            }
            idx.add(i);
            val.add(e.getValue());
        }
        constantIndex = idx.stream().mapToInt(Integer::intValue).toArray();
        constantValue = val.toArray(new Number[0]);
    }

    private long[] signalShape(TensorSpec in) {
        if (in.rank() == 2 && channels == 1) {
            return new long[] {1, window};
        }
        return layout == Layout.CHANNELS_FIRST ? new long[] {1, channels, window} : new long[] {1, window, channels};
    }

    /** {@return true for the signal input and the inputs given a {@linkplain Builder#constant constant}} */
    @Override
    public boolean writesInput(String name) {
        return name.equals(boundInput) || constants.containsKey(name);
    }

    @Override
    public long[] inputShape(TensorSpec spec) {
        if (spec.name().equals(boundInput)) {
            return signalShape(spec);
        }
        return InferenceTask.super.inputShape(spec);
    }

    @Override
    public Classification newOutput() {
        return new Classification(classes, topK, labels);
    }

    @Override
    public void preprocess(float[] block, Tensor[] inputs) {
        if (block.length % channels != 0) {
            throw new InvalidInputException("signal block has " + block.length + " samples, not a multiple of "
                    + channels + " channels");
        }
        checkFinite(block);
        int frames = block.length / channels;
        append(block, frames);
        total += frames;
        sinceLast += frames;
        ready = total >= window && sinceLast >= hop;
        if (!ready) {
            return;
        }
        sinceLast = 0;
        writeWindow(inputs[inputIndex]);
        writeConstants(inputs);
    }

    @Override
    public void prepareWarmup(Tensor[] inputs) {
        writeConstants(inputs);
    }

    private void writeConstants(Tensor[] inputs) {
        for (int k = 0; k < constantIndex.length; k++) {
            Tensor t = inputs[constantIndex[k]];
            Number v = constantValue[k];
            for (long e = 0; e < t.elementCount(); e++) {
                switch (t.dtype()) {
                    case INT64 -> t.putLong(e, v.longValue());
                    case INT32 -> t.putInt(e, v.intValue());
                    default -> t.putFloat(e, v.floatValue());
                }
            }
        }
    }

    private void writeWindow(Tensor t) {
        if (normalization == Normalization.ZSCORE) {
            for (int c = 0; c < channels; c++) {
                double s = 0;
                double ss = 0;
                for (int i = 0; i < window; i++) {
                    double v = ring[c * window + i];
                    s += v;
                    ss += v * v;
                }
                double m = s / window;
                double var = Math.max(0, ss / window - m * m);
                mean[c] = (float) m;
                invStd[c] = (float) (1.0 / (Math.sqrt(var) + 1e-6));
            }
        }
        // the ring holds each channel's samples oldest-first from writePos: two contiguous runs per channel
        boolean first = layout == Layout.CHANNELS_FIRST || channels == 1;
        boolean zscore = normalization == Normalization.ZSCORE;
        int older = window - writePos;
        if (first && !zscore) {
            for (int c = 0; c < channels; c++) {
                int base = c * window;
                t.putFloats(base, ring, base + writePos, older);
                t.putFloats(base + older, ring, base, writePos);
            }
            return;
        }
        // assemble the window in the tensor's order on the heap, then one bulk copy into the direct buffer
        float[] out = windowScratch;
        for (int c = 0; c < channels; c++) {
            int base = c * window;
            float m = zscore ? mean[c] : 0f;
            float k = zscore ? invStd[c] : 1f;
            if (first) {
                normalise(ring, base + writePos, out, base, older, m, k);
                normalise(ring, base, out, base + older, writePos, m, k);
            } else {
                for (int i = 0; i < window; i++) {
                    int src = i < older ? writePos + i : i - older;
                    out[i * channels + c] = (ring[base + src] - m) * k;
                }
            }
        }
        t.putFloats(0, out, 0, out.length);
    }

    private static void normalise(float[] src, int from, float[] dst, int to, int n, float mean, float invStd) {
        for (int i = 0; i < n; i++) {
            dst[to + i] = (src[from + i] - mean) * invStd;
        }
    }

    /** Appends {@code frames} interleaved frames to the per-channel ring; frames older than a window are skipped. */
    private void append(float[] block, int frames) {
        int skip = Math.max(0, frames - window);
        int pos = (int) ((writePos + (long) skip) % window);
        for (int src = skip; src < frames; ) {
            int n = Math.min(frames - src, window - pos);
            if (channels == 1) {
                System.arraycopy(block, src, ring, pos, n);
            } else {
                for (int c = 0; c < channels; c++) {
                    int base = c * window + pos;
                    for (int i = 0; i < n; i++) {
                        ring[base + i] = block[(src + i) * channels + c];
                    }
                }
            }
            src += n;
            pos = pos + n == window ? 0 : pos + n;
        }
        writePos = pos;
    }

    /** Rejects NaN and infinities; the scan has no early exit, so it stays cheap on the accepted path. */
    private void checkFinite(float[] block) {
        boolean bad = false;
        for (float v : block) {
            bad |= !(Math.abs(v) <= Float.MAX_VALUE);
        }
        if (!bad) {
            return;
        }
        for (int i = 0; i < block.length; i++) {
            if (!Float.isFinite(block[i])) {
                throw new InvalidInputException("signal block: sample " + (i / channels) + " of channel "
                        + (i % channels) + " is " + block[i] + "; only finite values are accepted");
            }
        }
    }

    @Override
    public boolean ready() {
        return ready;
    }

    @Override
    public void decode(Tensor[] outputs, Classification into) {
        Tensor t = outputs[outputIndex];
        int count = t.rank() == 0 ? 1 : (int) t.dim(t.rank() - 1);
        into.fill(t, 0, count, activation, total);
    }

    @Override
    public void reset() {
        java.util.Arrays.fill(ring, 0f);
        writePos = 0;
        total = 0;
        sinceLast = 0;
        ready = false;
    }

    /** Builder for {@link SignalWindowTask}. */
    public static final class Builder extends TaskBuilder.Scores<Builder> {
        private final int channels;
        private final int window;
        private final int hop;
        private Layout layout = Layout.CHANNELS_FIRST;
        private Normalization normalization = Normalization.NONE;
        private final Map<String, Number> constants = new LinkedHashMap<>();

        private Builder(int channels, int window, int hop) {
            super(3);
            if (channels < 1) {
                throw new IllegalArgumentException("channels is " + channels + "; allowed: >= 1");
            }
            if (window < 1) {
                throw new IllegalArgumentException("window is " + window + "; allowed: >= 1");
            }
            if (hop < 1 || hop > window) {
                throw new IllegalArgumentException("hop is " + hop + "; allowed: 1.." + window + " (the window)");
            }
            this.channels = channels;
            this.window = window;
            this.hop = hop;
        }

        /**
         * Sets {@code layout}.
         *
         * @param layout channel axis position (default CHANNELS_FIRST)
         * @return this
         */
        public Builder layout(Layout layout) {
            this.layout = Objects.requireNonNull(layout, "layout");
            return this;
        }

        /**
         * Sets {@code normalization}.
         *
         * @param normalization per-window normalisation (default NONE)
         * @return this
         */
        public Builder normalization(Normalization normalization) {
            this.normalization = Objects.requireNonNull(normalization, "normalization");
            return this;
        }

        /**
         * Gives an input a constant value, written into every element before each inference (e.g. Silero VAD's
         * {@code sr = 16000}).
         *
         * @param input input name
         * @param value the value (converted to the input's type)
         * @return this
         */
        public Builder constant(String input, Number value) {
            constants.put(Objects.requireNonNull(input, "input"), Objects.requireNonNull(value, "value"));
            return this;
        }

        /** {@return the task} */
        public SignalWindowTask build() {
            return new SignalWindowTask(this);
        }
    }
}
