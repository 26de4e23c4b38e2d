package io.github.streaminfer.testkit;

import io.github.streaminfer.backend.Backends;
import io.github.streaminfer.backend.InferenceBackend;
import io.github.streaminfer.backend.LoadedModel;
import io.github.streaminfer.backend.ModelOptions;
import io.github.streaminfer.backend.ModelSource;
import io.github.streaminfer.backend.Tensors;
import io.github.streaminfer.exceptions.BackendUnavailableException;
import io.github.streaminfer.exceptions.ModelLoadException;
import io.github.streaminfer.tensor.DType;
import io.github.streaminfer.tensor.Tensor;
import io.github.streaminfer.tensor.TensorSpec;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The contract every {@link InferenceBackend} passes. Subclass it in the backend's tests and supply a backend, a
 * small model with a known answer, and a check of outputs against a plain-Java reference.
 *
 * <p>Tests that need a working runtime are skipped (not failed) where {@link InferenceBackend#isAvailable()} is
 * false; the availability tests themselves always run, so an unavailable backend is still checked for a clear
 * cause and a clean refusal.
 *
 * @since 0.1.0
 */
public abstract class BackendContractTest {

    /** @return the backend under test (a fresh instance or the one ServiceLoader finds) */
    protected abstract InferenceBackend backend();

    /** @return a small model the backend can load, with at least one input and one output */
    protected abstract ModelSource model();

    /**
     * Asserts that {@code outputs} are what the model computes from {@code inputs}, using a reference independent
     * of the backend.
     *
     * @param inputs  the inputs of the run
     * @param outputs the outputs the backend produced
     */
    protected abstract void checkOutputs(Tensor[] inputs, Tensor[] outputs);

    /**
     * {@return whether production lookups ({@link Backends}) find this backend}: true for a real backend, which its
     * module provides through {@code META-INF/services} and {@code module-info}; false for a test double that must
     * stay out of production lookups, such as {@link ScriptedBackend}.
     */
    protected boolean discoverable() {
        return true;
    }

    /** @return options to load with; the defaults unless overridden */
    protected ModelOptions options() {
        return ModelOptions.DEFAULT;
    }

    /** @return bytes that are not a model of this backend's format */
    protected ModelSource corruptModel() {
        return ModelSource.ofBytes("corrupt-model.bin", "this is not a model \u0000\u0001\u0002"
                .getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Fills inputs with deterministic pseudo-random data for {@code seed}: floats in [-1, 1), integers in [0, 4).
     *
     * @param inputs tensors to fill
     * @param seed   the seed
     */
    protected void fillInputs(Tensor[] inputs, long seed) {
        Random rnd = new Random(seed);
        for (Tensor t : inputs) {
            for (long i = 0; i < t.elementCount(); i++) {
                switch (t.dtype()) {
                    case FLOAT32 -> t.putFloat(i, rnd.nextFloat() * 2 - 1);
                    case INT64 -> t.putLong(i, rnd.nextInt(4));
                    case INT32 -> t.putInt(i, rnd.nextInt(4));
                    default -> t.buffer().put((int) (i * t.dtype().byteSize()), (byte) rnd.nextInt(4));
                }
            }
        }
    }

    private LoadedModel loadAvailable() {
        InferenceBackend b = backend();
        assumeTrue(b.isAvailable(), () -> "backend '" + b.id() + "' unavailable here: " + b.unavailabilityCause());
        return b.load(model(), options());
    }

    @Test
    void idIsNonBlankAndAvailabilityIsConsistent() {
        InferenceBackend b = backend();
        assertThat(b.id()).isNotBlank();
        assertThat(b.description()).isNotBlank();
        if (b.isAvailable()) {
            assertThat(b.unavailabilityCause()).isNull();
            b.ensureAvailability();
        } else {
            assertThat(b.unavailabilityCause()).as("an unavailable backend says why").isNotNull();
            assertThat(b.unavailabilityCause().getMessage()).isNotBlank();
            assertThatThrownBy(b::ensureAvailability).isInstanceOf(BackendUnavailableException.class)
                    .hasMessageContaining(b.id());
        }
    }

    @Test
    void isFoundByServiceLoaderExactlyWhenDiscoverable() {
        if (discoverable()) {
            assertThat(Backends.find(backend().id())).as("META-INF/services or module-info provides it").isPresent();
        } else {
            assertThat(Backends.find(backend().id())).as("a test double is not provided to production lookups")
                    .isEmpty();
        }
    }

    @Test
    void unavailableBackendRefusesToLoadWithItsCause() {
        InferenceBackend b = backend();
        assumeFalse(b.isAvailable(), "backend is available here");
        assertThatThrownBy(() -> b.load(model(), options())).isInstanceOf(BackendUnavailableException.class)
                .hasMessageContaining(b.id());
        assertThatThrownBy(() -> Backends.require(b.id())).isInstanceOf(BackendUnavailableException.class)
                .hasMessageContaining("backends found");
    }

    @Test
    void loadedModelDescribesItsTensors() {
        try (LoadedModel m = loadAvailable()) {
            assertThat(m.backendId()).isEqualTo(backend().id());
            assertThat(m.modelName()).isNotBlank();
            assertThat(m.inputs()).isNotEmpty();
            assertThat(m.outputs()).isNotEmpty();
            Set<String> names = new HashSet<>();
            for (TensorSpec s : m.inputs()) {
                assertThat(names.add("in:" + s.name())).as("unique input name %s", s.name()).isTrue();
            }
            for (TensorSpec s : m.outputs()) {
                assertThat(names.add("out:" + s.name())).as("unique output name %s", s.name()).isTrue();
            }
        }
    }

    @Test
    void runMatchesReferenceForSeveralInputs() {
        try (LoadedModel m = loadAvailable()) {
            Tensor[] in = Tensors.allocate(m.inputs(), 1);
            Tensor[] out = Tensors.allocate(m.outputs(), 1);
            for (long seed = 1; seed <= 5; seed++) {
                fillInputs(in, seed);
                m.run(in, out);
                checkOutputs(in, out);
            }
        }
    }

    @Test
    void sameInputGivesBitIdenticalOutput() {
        try (LoadedModel m = loadAvailable()) {
            Tensor[] in = Tensors.allocate(m.inputs(), 1);
            Tensor[] out = Tensors.allocate(m.outputs(), 1);
            fillInputs(in, 42);
            m.run(in, out);
            byte[][] first = snapshot(out);
            fillInputs(in, 43);
            m.run(in, out);
            fillInputs(in, 42);
            m.run(in, out);
            byte[][] again = snapshot(out);
            for (int i = 0; i < first.length; i++) {
                assertThat(again[i]).as("output %s", out[i].name()).isEqualTo(first[i]);
            }
        }
    }

    @Test
    void warmupRunsAndRejectsNegativeCounts() {
        try (LoadedModel m = loadAvailable()) {
            m.warmup(3);
            assertThatThrownBy(() -> m.warmup(-1)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void concurrentRunsOnSeparateTensorsAreIndependent() throws Exception {
        try (LoadedModel m = loadAvailable()) {
            ExecutorService pool = Executors.newFixedThreadPool(2);
            try {
                List<Future<Void>> futures = new java.util.ArrayList<>();
                for (int t = 0; t < 2; t++) {
                    final long base = 100L * (t + 1);
                    futures.add(pool.submit(() -> {
                        Tensor[] in = Tensors.allocate(m.inputs(), 1);
                        Tensor[] out = Tensors.allocate(m.outputs(), 1);
                        for (long seed = base; seed < base + 20; seed++) {
                            fillInputs(in, seed);
                            m.run(in, out);
                            checkOutputs(in, out);
                        }
                        return null;
                    }));
                }
                for (Future<Void> f : futures) {
                    f.get(60, TimeUnit.SECONDS);
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void closeIsIdempotentAndRunAfterCloseThrows() {
        LoadedModel m = loadAvailable();
        Tensor[] in = Tensors.allocate(m.inputs(), 1);
        Tensor[] out = Tensors.allocate(m.outputs(), 1);
        m.close();
        m.close();
        assertThatThrownBy(() -> m.run(in, out)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void corruptModelFailsWithItsName() {
        InferenceBackend b = backend();
        assumeTrue(b.isAvailable(), "backend unavailable here");
        ModelSource bad = corruptModel();
        assertThatThrownBy(() -> b.load(bad, options())).isInstanceOf(ModelLoadException.class)
                .hasMessageContaining(bad.name());
    }

    @Test
    void floatOutputsAreFinite() {
        try (LoadedModel m = loadAvailable()) {
            Tensor[] in = Tensors.allocate(m.inputs(), 1);
            Tensor[] out = Tensors.allocate(m.outputs(), 1);
            fillInputs(in, 7);
            m.run(in, out);
            for (Tensor t : out) {
                if (t.dtype() == DType.FLOAT32) {
                    for (long i = 0; i < t.elementCount(); i++) {
                        assertThat(Float.isFinite(t.getFloat(i))).as("%s[%d]", t.name(), i).isTrue();
                    }
                }
            }
        }
    }

    private static byte[][] snapshot(Tensor[] tensors) {
        byte[][] copy = new byte[tensors.length][];
        for (int i = 0; i < tensors.length; i++) {
            ByteBuffer b = tensors[i].buffer();
            copy[i] = new byte[b.remaining()];
            b.get(copy[i]);
        }
        return copy;
    }
}
