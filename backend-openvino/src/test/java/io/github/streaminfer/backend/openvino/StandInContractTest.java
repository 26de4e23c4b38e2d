package io.github.streaminfer.backend.openvino;

import io.github.streaminfer.backend.InferenceBackend;
import io.github.streaminfer.backend.ModelSource;
import io.github.streaminfer.tensor.Tensor;
import io.github.streaminfer.testkit.BackendContractTest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The backend contract, run through the real binding against the stand-in libopenvino_c (an IR pair, .xml + .bin),
 * and after every test: every native object the binding was handed has been freed, none twice.
 */
class StandInContractTest extends BackendContractTest {
    private static Path model;

    @BeforeAll
    static void writeModel() throws IOException {
        Path dir = Files.createTempDirectory("openvino-contract");
        model = FakeOpenVino.writeModel(dir.resolve("double_plus_one.xml"), FakeOpenVino.DYNAMIC_MODEL);
        Files.write(dir.resolve("double_plus_one.bin"), new byte[16]);
    }

    @BeforeEach
    void resetStandIn() {
        FakeOpenVino.reset();
    }

    @AfterEach
    void nothingLeakedNothingFreedTwice() {
        assertThat(FakeOpenVino.liveTotal()).as("native objects still allocated").isZero();
        assertThat(FakeOpenVino.badFrees()).as("double or mismatched frees").isZero();
    }

    @Override
    protected InferenceBackend backend() {
        return new OpenVinoBackend(FakeOpenVino.dir());
    }

    @Override
    protected ModelSource model() {
        return ModelSource.of(model);
    }

    @Override
    protected void checkOutputs(Tensor[] inputs, Tensor[] outputs) {
        Tensor x = inputs[0];
        int rows = (int) x.dim(0);
        assertThat(outputs[0].shape()).containsExactly(rows, 4);
        assertThat(outputs[1].shape()).containsExactly(rows);
        for (int r = 0; r < rows; r++) {
            int best = 0;
            for (int k = 0; k < 4; k++) {
                float v = x.getFloat(r * 4L + k);
                assertThat(outputs[0].getFloat(r * 4L + k)).isCloseTo(2 * v + 1, within(1e-6f));
                if (v > x.getFloat(r * 4L + best)) {
                    best = k;
                }
            }
            assertThat(outputs[1].getLong(r)).as("cls[%d]", r).isEqualTo(best);
        }
    }
}
