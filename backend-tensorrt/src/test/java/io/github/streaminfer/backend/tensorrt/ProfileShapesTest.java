package io.github.streaminfer.backend.tensorrt;

import io.github.streaminfer.tensor.DType;
import io.github.streaminfer.tensor.TensorSpec;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ProfileShapesTest {
    private static final TensorSpec CLS = TensorSpec.of("x", DType.FLOAT32, -1, 3, 48, 192);
    private static final TensorSpec AUDIO = TensorSpec.of("input", DType.FLOAT32, -1, -1);
    private static final TensorSpec STATE = TensorSpec.of("state", DType.FLOAT32, 2, -1, 128);
    private static final TensorSpec SR = TensorSpec.of("sr", DType.INT64);

    @Test
    void parsesTrtexecStyleLists() {
        ProfileShapes p = ProfileShapes.parse("input:1x512, state:2x1x128", "input:1x512,state:2x1x128",
                "input:4x1536,state:2x4x128");
        assertThat(p.min().keySet()).containsExactly("input", "state");
        assertThat(p.max().get("input")).containsExactly(4, 1536);
        assertThat(p.toString()).isEqualTo("min input:1x512,state:2x1x128, opt input:1x512,state:2x1x128, "
                + "max input:4x1536,state:2x4x128");
    }

    @Test
    void blankListsMeanNoShapes() {
        assertThat(ProfileShapes.parse(null, " ", "")).isEqualTo(ProfileShapes.NONE);
    }

    @Test
    void malformedEntriesNameThePropertyAndTheProblem() {
        assertThatThrownBy(() -> ProfileShapes.parse("x1x3", "x:1x3", "x:1x3"))
                .hasMessage("tensorrt.shapes.min is 'x1x3' (entry 'x1x3' is not name:shape); allowed: "
                        + "name:DxDx...D[,name:DxD...] with every dimension >= 1, e.g. x:1x3x48x192");
        assertThatThrownBy(() -> ProfileShapes.parse("x:1x3", "x:1xq", "x:1x3"))
                .hasMessageStartingWith("tensorrt.shapes.opt is 'x:1xq' (dimension 'q' of input 'x' is not a number)");
        assertThatThrownBy(() -> ProfileShapes.parse("x:0x3", "x:1x3", "x:1x3"))
                .hasMessageStartingWith("tensorrt.shapes.min is 'x:0x3' (dimension 0 of input 'x' is 0)");
        assertThatThrownBy(() -> ProfileShapes.parse("x:1,x:2", "x:1", "x:1"))
                .hasMessageStartingWith("tensorrt.shapes.min is 'x:1,x:2' (input 'x' appears twice)");
    }

    @Test
    void theThreeListsMustNameTheSameInputsWithTheSameRanksInOrder() {
        assertThatThrownBy(() -> ProfileShapes.parse("x:1x3", "x:1x3", "y:1x3"))
                .hasMessageContaining("input 'x' are given in tensorrt.shapes.min, tensorrt.shapes.opt only");
        assertThatThrownBy(() -> ProfileShapes.parse("x:1x3", "x:1x3x1", "x:1x3"))
                .hasMessageEndingWith("allowed: three shapes of the same rank");
        assertThatThrownBy(() -> ProfileShapes.parse("x:4x3", "x:2x3", "x:8x3"))
                .hasMessage("profile shapes for input 'x' are min [4, 3], opt [2, 3], max [8, 3]; allowed: "
                        + "min <= opt <= max in every dimension (dimension 0 is not)");
    }

    @Test
    void dynamicInputsWithoutShapesDefaultToOneAndStaticInputsNeedNone() {
        Map<String, ProfileShapes.Profile> r = ProfileShapes.NONE.resolve(List.of(CLS, SR));
        assertThat(r).containsOnlyKeys("x");
        assertThat(r.get("x").min()).containsExactly(1, 3, 48, 192);
        assertThat(r.get("x").max()).containsExactly(1, 3, 48, 192);
    }

    @Test
    void givenShapesAreKeptInInputOrder() {
        ProfileShapes p = ProfileShapes.parse("state:2x1x128,input:1x512", "state:2x1x128,input:1x512",
                "state:2x4x128,input:4x1536");
        Map<String, ProfileShapes.Profile> r = p.resolve(List.of(AUDIO, STATE, SR));
        assertThat(r.keySet()).containsExactly("input", "state");
        assertThat(r.get("state").max()).containsExactly(2, 4, 128);
    }

    @Test
    void shapesMustMatchTheModelsInputs() {
        assertThatThrownBy(() -> ProfileShapes.parse("y:1x3x48x192", "y:1x3x48x192", "y:1x3x48x192")
                .resolve(List.of(CLS)))
                .hasMessage("profile shapes name input 'y'; allowed: the model's inputs [x:float32[?, 3, 48, 192]]");
        assertThatThrownBy(() -> ProfileShapes.parse("x:1x3x48", "x:1x3x48", "x:1x3x48").resolve(List.of(CLS)))
                .hasMessage("profile shapes for input 'x' have rank 3 [1, 3, 48]; allowed: rank 4 like the model's "
                        + "x:float32[?, 3, 48, 192]");
        assertThatThrownBy(() -> ProfileShapes.parse("x:1x3x32x192", "x:1x3x48x192", "x:1x3x48x192")
                .resolve(List.of(CLS)))
                .hasMessage("profile shapes for input 'x' set dimension 2 to 32/48/48; allowed: 48 (the model fixes "
                        + "it: x:float32[?, 3, 48, 192])");
    }

    @Test
    void profilesCompareByValue() {
        ProfileShapes a = ProfileShapes.parse("x:1x2", "x:2x2", "x:4x2");
        ProfileShapes b = ProfileShapes.parse("x:1x2", "x:2x2", "x:4x2");
        assertThat(a).isEqualTo(b).hasSameHashCodeAs(b);
        assertThat(a).isNotEqualTo(ProfileShapes.parse("x:1x2", "x:2x2", "x:5x2"));
        assertThat(a.resolve(List.of(TensorSpec.of("x", DType.FLOAT32, -1, 2))))
                .isEqualTo(b.resolve(List.of(TensorSpec.of("x", DType.FLOAT32, -1, 2))));
    }
}
