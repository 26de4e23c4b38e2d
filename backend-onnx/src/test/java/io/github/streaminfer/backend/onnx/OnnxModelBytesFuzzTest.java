package io.github.streaminfer.backend.onnx;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.github.streaminfer.backend.LoadedModel;
import io.github.streaminfer.exceptions.ModelLoadException;
import io.github.streaminfer.backend.ModelOptions;
import io.github.streaminfer.backend.ModelSource;
import io.github.streaminfer.tensor.TensorSpec;

/**
 * Fuzz target for the model bytes a backend loads, which may come from anywhere a user points it at: whatever the
 * bytes, {@link OnnxBackend#load} returns a model whose inputs and outputs are described, or throws
 * {@link ModelLoadException} with a message (its documented failure); never another exception, and never a crash of the
 * JVM in ONNX Runtime's parser.
 *
 * <p>ONNX Runtime's parser is native code that Jazzer cannot instrument, so fuzzing here is guided only by the Java
 * around it; the committed inputs (a valid tiny model, truncated and bit-flipped copies) carry most of the weight.
 */
class OnnxModelBytesFuzzTest {
    private static final OnnxBackend BACKEND = new OnnxBackend();

    @FuzzTest(maxDuration = "15s")
    void loadingArbitraryBytesGivesAModelOrModelLoadException(byte[] bytes) {
        if (!BACKEND.isAvailable()) {
            throw new AssertionError("ONNX Runtime is not available here", BACKEND.unavailabilityCause());
        }
        try (LoadedModel model = BACKEND.load(ModelSource.ofBytes("fuzzed.onnx", bytes), ModelOptions.DEFAULT)) {
            for (TensorSpec s : model.inputs()) {
                if (s.name() == null || s.dtype() == null) {
                    throw new AssertionError("a loaded model with an undescribed input: " + s);
                }
            }
        } catch (ModelLoadException e) {
            if (e.getMessage() == null || e.getMessage().isBlank()) {
                throw new AssertionError("refused without a message", e);
            }
        }
    }
}
