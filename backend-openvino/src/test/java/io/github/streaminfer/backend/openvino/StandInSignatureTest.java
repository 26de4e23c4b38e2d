package io.github.streaminfer.backend.openvino;

import io.github.streaminfer.backend.LoadedModel;
import io.github.streaminfer.backend.ModelOptions;
import io.github.streaminfer.backend.ModelSource;
import io.github.streaminfer.exceptions.ModelLoadException;
import io.github.streaminfer.tensor.DType;
import io.github.streaminfer.tensor.TensorSpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Port names, element types and partial shapes, read through the binding from the stand-in's compiled model. */
class StandInSignatureTest {
    @TempDir
    Path dir;
    private final OpenVinoBackend backend = new OpenVinoBackend(FakeOpenVino.dir());

    @BeforeEach
    void resetStandIn() {
        FakeOpenVino.reset();
    }

    @AfterEach
    void everythingFreedOnce() {
        assertThat(FakeOpenVino.liveTotal()).isZero();
        assertThat(FakeOpenVino.badFrees()).isZero();
    }

    @Test
    void elementTypesAndShapesMapToTensorSpecsWithDynamicDimensions() throws IOException {
        Path file = FakeOpenVino.writeModel(dir.resolve("types.xml"), "input image u8 1 3 -1 -1", "input mask boolean 7",
                "input half f16 -1", "input ids i32 2 5", "output boxes f32 -1 6", "output count i64",
                "output labels i64 -1");
        try (LoadedModel m = backend.load(ModelSource.of(file), ModelOptions.DEFAULT)) {
            assertThat(m.inputs()).containsExactly(TensorSpec.of("image", DType.UINT8, 1, 3, -1, -1),
                    TensorSpec.of("mask", DType.BOOL, 7), TensorSpec.of("half", DType.FLOAT16, -1),
                    TensorSpec.of("ids", DType.INT32, 2, 5));
            assertThat(m.outputs()).containsExactly(TensorSpec.of("boxes", DType.FLOAT32, -1, 6),
                    TensorSpec.of("count", DType.INT64), TensorSpec.of("labels", DType.INT64, -1));
        }
    }

    @Test
    void elementTypeStreamInferLacksIsRefusedNamingTheTensorAndType() throws IOException {
        Path file = FakeOpenVino.writeModel(dir.resolve("bf16.xml"), "input x bf16 1 4", "output y f32 1 4");
        assertThatThrownBy(() -> backend.load(ModelSource.of(file), ModelOptions.DEFAULT))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("input 'x' has element type bf16; supported: f32, f16, i64, i32, u8, boolean");
    }

    @Test
    void portWithoutNameIsNamedByItsIndex() throws IOException {
        Path file = FakeOpenVino.writeModel(dir.resolve("m.xml"), FakeOpenVino.DYNAMIC_MODEL);
        FakeOpenVino.failNext("ov_port_get_any_name", -1, "Attempt to get a name for a Tensor without names");
        try (LoadedModel m = backend.load(ModelSource.of(file), ModelOptions.DEFAULT)) {
            assertThat(m.inputs().get(0).name()).isEqualTo("input0");
            assertThat(m.outputs().get(0).name()).isEqualTo("y");
        }
    }
}
