package io.github.streaminfer.testkit;

import io.github.streaminfer.backend.LoadedModel;
import io.github.streaminfer.exceptions.InferenceException;
import io.github.streaminfer.tensor.Tensor;
import io.github.streaminfer.tensor.TensorSpec;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongPredicate;

/**
 * A model whose outputs are computed by a plain-Java {@link Script}, with optional latency and failure injection.
 * Deterministic, allocation-free when its script is, and thread-safe, so it serves tests of sessions and
 * transports and benchmarks that want to measure everything but the model.
 *
 * <pre>{@code
 * ScriptedModel model = ScriptedModel.builder()
 *         .input("x", DType.FLOAT32, 1, 4)
 *         .output("y", DType.FLOAT32, 1, 4)
 *         .script(Script.affine(2f, 1f))          // y = 2x + 1
 *         .latencyNanos(1_000_000)                  // 1 ms per run
 *         .failWhen(call -> call % 10 == 0)         // every tenth run throws
 *         .build();
 * }</pre>
 *
 * @since 0.1.0
 */
public final class ScriptedModel implements LoadedModel {

    /** Computes outputs from inputs. Must be thread-safe if the model is shared. */
    @FunctionalInterface
    public interface Script {
        /**
         * @param inputs  input tensors
         * @param outputs output tensors to fill
         */
        void run(Tensor[] inputs, Tensor[] outputs);

        /** @return a script that leaves outputs untouched (measures everything but the model) */
        static Script noop() {
            return (in, out) -> {
            };
        }

        /**
         * Element-wise {@code out0[i] = scale * in0[i] + offset} over the first float input and output (the
         * shorter length); remaining output elements get {@code offset}.
         *
         * @param scale  multiplier
         * @param offset addend
         * @return the script
         */
        static Script affine(float scale, float offset) {
            return (in, out) -> {
                Tensor x = in[0];
                Tensor y = out[0];
                long n = y.elementCount();
                long m = Math.min(n, x.elementCount());
                for (long i = 0; i < m; i++) {
                    y.putFloat(i, scale * x.getFloat(i) + offset);
                }
                for (long i = m; i < n; i++) {
                    y.putFloat(i, offset);
                }
            };
        }

        /**
         * {@code out0[i] = (i + 1) * sum(in0)}: every output depends on every input, so cross-talk between frames
         * shows.
         *
         * @return the script
         */
        static Script weightedSum() {
            return (in, out) -> {
                Tensor x = in[0];
                double sum = 0;
                for (long i = 0; i < x.elementCount(); i++) {
                    sum += x.getFloat(i);
                }
                Tensor y = out[0];
                for (long i = 0; i < y.elementCount(); i++) {
                    y.putFloat(i, (float) ((i + 1) * sum));
                }
            };
        }
    }

    private final String name;
    private final List<TensorSpec> inputs;
    private final List<TensorSpec> outputs;
    private final Script script;
    private final long latencyNanos;
    private final LongPredicate failWhen;
    private final AtomicLong calls = new AtomicLong();
    private volatile boolean closed;

    private ScriptedModel(Builder b) {
        this.name = b.name;
        this.inputs = List.copyOf(b.inputs);
        this.outputs = List.copyOf(b.outputs);
        this.script = b.script;
        this.latencyNanos = b.latencyNanos;
        this.failWhen = b.failWhen;
    }

    /** @return a builder */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public String backendId() {
        return ScriptedBackend.ID;
    }

    @Override
    public String modelName() {
        return name;
    }

    @Override
    public List<TensorSpec> inputs() {
        return inputs;
    }

    @Override
    public List<TensorSpec> outputs() {
        return outputs;
    }

    /** @return runs so far, including failed ones */
    public long calls() {
        return calls.get();
    }

    @Override
    public void run(Tensor[] in, Tensor[] out) {
        if (closed) {
            throw new IllegalStateException("model '" + name + "' is closed");
        }
        if (in.length != inputs.size() || out.length != outputs.size()) {
            throw new IllegalArgumentException("model '" + name + "' takes " + inputs.size() + " inputs and "
                    + outputs.size() + " outputs, got " + in.length + " and " + out.length);
        }
        long call = calls.incrementAndGet();
        if (latencyNanos > 0) {
            long end = System.nanoTime() + latencyNanos;
            while (System.nanoTime() - end < 0) {
                Thread.onSpinWait();
            }
        }
        if (failWhen.test(call)) {
            throw new InferenceException("scripted failure of model '" + name + "' at call " + call);
        }
        script.run(in, out);
    }

    @Override
    public void close() {
        closed = true;
    }

    /** Builder for {@link ScriptedModel}. */
    public static final class Builder {
        private String name = "scripted";
        private final List<TensorSpec> inputs = new ArrayList<>();
        private final List<TensorSpec> outputs = new ArrayList<>();
        private Script script = Script.noop();
        private long latencyNanos;
        private LongPredicate failWhen = call -> false;

        private Builder() {
        }

        /**
         * @param name model name for messages
         * @return this
         */
        public Builder name(String name) {
            this.name = Objects.requireNonNull(name, "name");
            return this;
        }

        /**
         * @param name  input name
         * @param dtype element type
         * @param shape shape, -1 for dynamic
         * @return this
         */
        public Builder input(String name, io.github.streaminfer.tensor.DType dtype, long... shape) {
            inputs.add(TensorSpec.of(name, dtype, shape));
            return this;
        }

        /**
         * @param name  output name
         * @param dtype element type
         * @param shape shape, -1 for dynamic
         * @return this
         */
        public Builder output(String name, io.github.streaminfer.tensor.DType dtype, long... shape) {
            outputs.add(TensorSpec.of(name, dtype, shape));
            return this;
        }

        /**
         * @param script computes outputs from inputs
         * @return this
         */
        public Builder script(Script script) {
            this.script = Objects.requireNonNull(script, "script");
            return this;
        }

        /**
         * @param nanos busy-wait this long in every run (a spin, so timing stays precise)
         * @return this
         */
        public Builder latencyNanos(long nanos) {
            if (nanos < 0) {
                throw new IllegalArgumentException("latencyNanos is " + nanos + "; allowed: >= 0");
            }
            this.latencyNanos = nanos;
            return this;
        }

        /**
         * @param failWhen given the 1-based call number, true to throw an {@link InferenceException}
         * @return this
         */
        public Builder failWhen(LongPredicate failWhen) {
            this.failWhen = Objects.requireNonNull(failWhen, "failWhen");
            return this;
        }

        /** @return the model */
        public ScriptedModel build() {
            if (inputs.isEmpty() || outputs.isEmpty()) {
                throw new IllegalArgumentException("a scripted model needs at least one input and one output");
            }
            return new ScriptedModel(this);
        }
    }
}
