package io.github.streaminfer.synthetic;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnknownFieldSet;
import io.github.streaminfer.tensor.DType;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Reads the written bytes back with protobuf's generic parser and checks the onnx.proto field numbers. */
class OnnxGraphBuilderTest {

    static UnknownFieldSet parse(ByteString b) throws Exception {
        return UnknownFieldSet.parseFrom(b);
    }

    static ByteString only(UnknownFieldSet s, int field) {
        List<ByteString> l = s.getField(field).getLengthDelimitedList();
        assertThat(l).as("field %d", field).hasSize(1);
        return l.get(0);
    }

    static String str(UnknownFieldSet s, int field) {
        return only(s, field).toStringUtf8();
    }

    @Test
    void writesModelGraphNodesInitializersAndValueInfos() throws Exception {
        byte[] bytes = new OnnxGraphBuilder("g")
                .input("x", DType.FLOAT32, -1, 4)
                .initializer("w", new float[] {1.5f, -2f, 0.25f, 8f}, 4, 1)
                .initializer("shape", new long[] {1, -1}, 2)
                .node("MatMul", List.of("x", "w"), List.of("y"))
                .node("Softmax", List.of("y"), List.of("z"), OnnxGraphBuilder.Attribute.i("axis", -1))
                .output("z", DType.FLOAT32, -1, 1)
                .toBytes();
        UnknownFieldSet model = parse(ByteString.copyFrom(bytes));
        assertThat(model.getField(1).getVarintList()).containsExactly(OnnxGraphBuilder.IR_VERSION);
        UnknownFieldSet opset = parse(only(model, 8));
        assertThat(opset.getField(2).getVarintList()).containsExactly(OnnxGraphBuilder.OPSET);
        UnknownFieldSet graph = parse(only(model, 7));
        assertThat(str(graph, 2)).isEqualTo("g");

        List<ByteString> nodes = graph.getField(1).getLengthDelimitedList();
        assertThat(nodes).hasSize(2);
        UnknownFieldSet matmul = parse(nodes.get(0));
        assertThat(str(matmul, 4)).isEqualTo("MatMul");
        assertThat(matmul.getField(1).getLengthDelimitedList()).extracting(ByteString::toStringUtf8)
                .containsExactly("x", "w");
        UnknownFieldSet softmax = parse(nodes.get(1));
        UnknownFieldSet attr = parse(only(softmax, 5));
        assertThat(str(attr, 1)).isEqualTo("axis");
        assertThat(attr.getField(3).getVarintList()).containsExactly(-1L); // int64 two's complement
        assertThat(attr.getField(20).getVarintList()).containsExactly(2L); // AttributeType INT

        List<ByteString> inits = graph.getField(5).getLengthDelimitedList();
        UnknownFieldSet w = parse(inits.get(0));
        assertThat(w.getField(1).getVarintList()).containsExactly(4L, 1L);
        assertThat(w.getField(2).getVarintList()).containsExactly(1L); // FLOAT
        ByteBuffer data = only(w, 4).asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        assertThat(new float[] {data.getFloat(), data.getFloat(), data.getFloat(), data.getFloat()})
                .containsExactly(1.5f, -2f, 0.25f, 8f);
        UnknownFieldSet shape = parse(inits.get(1));
        assertThat(shape.getField(2).getVarintList()).containsExactly(7L); // INT64
        assertThat(str(shape, 8)).isEqualTo("shape");

        UnknownFieldSet in = parse(only(graph, 11));
        assertThat(str(in, 1)).isEqualTo("x");
        UnknownFieldSet tensorType = parse(only(parse(only(in, 2)), 1));
        assertThat(tensorType.getField(1).getVarintList()).containsExactly(1L);
        List<ByteString> dims = parse(only(tensorType, 2)).getField(1).getLengthDelimitedList();
        assertThat(dims).hasSize(2);
        assertThat(str(parse(dims.get(0)), 2)).as("dynamic dim is symbolic").isNotBlank();
        assertThat(parse(dims.get(1)).getField(1).getVarintList()).containsExactly(4L);
    }

    @Test
    void refusesInconsistentInput() {
        assertThatThrownBy(() -> new OnnxGraphBuilder("g").initializer("w", new float[3], 2, 2))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'w'");
        assertThatThrownBy(() -> new OnnxGraphBuilder("g").input("x", DType.FLOAT32, 1).toBytes())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("output");
        assertThatThrownBy(() -> new SyntheticModels.Detector(8, new long[] {6, 2}, new float[12], new float[11]))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void referencesBehaveAsDesigned() {
        SyntheticModels.EmgClassifier emg = new SyntheticModels.EmgClassifier(true);
        float[] window = new float[16 * 200];
        for (int s = 0; s < 200; s++) {
            window[5 * 200 + s] = (s % 2 == 0) ? 1 : -1; // channel 5 -> class 2
        }
        float[] p = emg.reference(window);
        double sum = 0;
        int best = 0;
        for (int k = 0; k < p.length; k++) {
            sum += p[k];
            best = p[k] > p[best] ? k : best;
        }
        assertThat(sum).isCloseTo(1.0, org.assertj.core.api.Assertions.within(1e-6));
        assertThat(best).isEqualTo(2);
        SyntheticModels.Policy chunk = new SyntheticModels.Policy(4, 4, 3, 50, 0);
        assertThat(chunk.reference(new float[48], new float[3], null)).hasSize(350);
        assertThat(chunk.outputName()).isEqualTo("actions");
    }
}
