package io.github.streaminfer.tensor;

import org.junit.jupiter.api.Test;

import java.nio.ByteOrder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TensorTest {

    @Test
    void buffersAreDirectNativeOrderAndSizedByShape() {
        Tensor t = Tensor.allocate(TensorSpec.of("x", DType.FLOAT32, 1, 3, 4, 5));
        assertThat(t.buffer().isDirect()).isTrue();
        assertThat(t.buffer().order()).isEqualTo(ByteOrder.nativeOrder());
        assertThat(t.elementCount()).isEqualTo(60);
        assertThat(t.byteSize()).isEqualTo(240);
        assertThat(t.buffer().remaining()).isEqualTo(240);
        assertThat(t.floats().remaining()).isEqualTo(60);
        assertThat(t.buffer()).isSameAs(t.buffer());
        assertThat(t.floats()).isSameAs(t.floats());
    }

    @Test
    void floatAccessRoundTripsAndViewsShareMemory() {
        Tensor t = Tensor.allocate(TensorSpec.of("x", DType.FLOAT32, 2, 3));
        t.putFloats(0, new float[]{1, 2, 3, 4, 5, 6}, 0, 6);
        assertThat(t.getFloat(4)).isEqualTo(5f);
        assertThat(t.floats().get(5)).isEqualTo(6f);
        assertThat(t.buffer().getFloat(8)).isEqualTo(3f);
        float[] back = new float[6];
        t.getFloats(0, back, 0, 6);
        assertThat(back).containsExactly(1, 2, 3, 4, 5, 6);
        t.zero();
        assertThat(t.getFloat(0)).isZero();
        assertThat(t.getFloat(5)).isZero();
    }

    @Test
    void dynamicShapesReshapeWithinCapacityAndGrowBeyondIt() {
        TensorSpec spec = TensorSpec.of("det", DType.FLOAT32, 1, -1, 6);
        assertThat(spec.isStatic()).isFalse();
        assertThatThrownBy(() -> Tensor.allocate(spec)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("dynamic");
        Tensor t = Tensor.allocate(spec, 1, 10, 6);
        int cap = t.capacityBytes();
        assertThat(t.reshape(1, 5, 6)).isFalse();
        assertThat(t.elementCount()).isEqualTo(30);
        assertThat(t.floats().remaining()).isEqualTo(30);
        assertThat(t.capacityBytes()).isEqualTo(cap);
        assertThat(t.reshape(1, 100, 6)).as("grows").isTrue();
        assertThat(t.elementCount()).isEqualTo(600);
        assertThat(t.floats().remaining()).isEqualTo(600);
        assertThatThrownBy(() -> t.reshape(1, 5, 7)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("det");
        assertThatThrownBy(() -> t.reshape(5, 6)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void typeAndBoundsViolationsNameTheTensor() {
        Tensor t = Tensor.allocate(TensorSpec.of("ids", DType.INT64, 1, 4));
        t.putLong(3, 42);
        assertThat(t.getLong(3)).isEqualTo(42);
        assertThat(t.longs().get(3)).isEqualTo(42);
        assertThatThrownBy(() -> t.getFloat(0)).isInstanceOf(IllegalStateException.class).hasMessageContaining("ids");
        assertThatThrownBy(() -> t.getLong(4)).isInstanceOf(IndexOutOfBoundsException.class).hasMessageContaining("ids");
        assertThatThrownBy(t::floats).isInstanceOf(IllegalStateException.class).hasMessageContaining("INT64");
    }

    @Test
    void copyFromRequiresSameTypeAndCount() {
        Tensor a = Tensor.allocate(TensorSpec.of("a", DType.FLOAT32, 2, 2));
        Tensor b = Tensor.allocate(TensorSpec.of("b", DType.FLOAT32, 4));
        a.putFloats(0, new float[]{1, 2, 3, 4}, 0, 4);
        b.copyFrom(a);
        assertThat(b.getFloat(3)).isEqualTo(4f);
        Tensor c = Tensor.allocate(TensorSpec.of("c", DType.FLOAT32, 3));
        assertThatThrownBy(() -> c.copyFrom(a)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'a'").hasMessageContaining("'c'");
    }

    @Test
    void freedTensorRefusesUse() {
        Tensor t = Tensor.allocate(TensorSpec.of("x", DType.FLOAT32, 8));
        t.free();
        t.free();
        assertThat(t.isFreed()).isTrue();
        assertThatThrownBy(t::buffer).isInstanceOf(IllegalStateException.class).hasMessageContaining("freed");
    }

    @Test
    void specValidatesAndPrints() {
        assertThatThrownBy(() -> TensorSpec.of("x", DType.FLOAT32, 1, -2))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("dimension 1 is -2");
        TensorSpec s = TensorSpec.of("x", DType.FLOAT32, -1, 3);
        assertThat(s.toString()).isEqualTo("x:float32[?, 3]");
        assertThat(s.accepts(new long[]{7, 3})).isTrue();
        assertThat(s.accepts(new long[]{7, 4})).isFalse();
        assertThat(s.withDynamicDims(1).shape()).containsExactly(1, 3);
        assertThat(s).isEqualTo(TensorSpec.of("x", DType.FLOAT32, -1, 3));
    }

    @Test
    void hasShapeComparesTheCurrentShapeWithAnArrayOrADeclaredShape() {
        Tensor t = Tensor.allocate(TensorSpec.of("x", DType.FLOAT32, -1, 8), 2, 8);
        assertThat(t.hasShape(new long[]{2, 8})).isTrue();
        assertThat(t.hasShape(new long[]{2, 8, 1})).isFalse();
        assertThat(t.hasShape(null)).isFalse();
        assertThat(t.hasShapeOf(TensorSpec.of("x", DType.FLOAT32, 2, 8))).isTrue();
        assertThat(t.hasShapeOf(TensorSpec.of("x", DType.FLOAT32, -1, 8))).as("a dynamic dimension never matches")
                .isFalse();
        assertThat(t.hasShapeOf(TensorSpec.of("x", DType.FLOAT32, 16))).isFalse();
        t.reshape(3, 8);
        assertThat(t.hasShape(new long[]{2, 8})).isFalse();
        assertThat(t.hasShape(new long[]{3, 8})).isTrue();
        t.free();
    }
}
