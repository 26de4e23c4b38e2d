package io.github.streaminfer.backend.tensorrt;

import io.github.streaminfer.tensor.DType;
import org.bytedeco.tensorrt.global.nvinfer;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** TensorRT {@code DataType} ↔ {@link DType}, and model format detection: pure Java, no GPU needed. */
class TypeAndFormatMappingTest {

    @Test
    void everyDTypeRoundTripsThroughTensorRt() {
        for (DType d : DType.values()) {
            nvinfer.DataType t = TrtTypes.trt(d);
            assertThat(TrtTypes.dtype(t)).as("%s -> %s", d, t).isEqualTo(d);
            assertThat(TrtTypes.byteSize(t)).as("size of %s", t).isEqualTo(d.byteSize());
        }
    }

    @Test
    void mappingFollowsTensorRtsEnumValues() {
        // the values of TensorRT's nvinfer1::DataType; a preset that renumbered them would break engines silently
        assertThat(nvinfer.DataType.kFLOAT.value).isZero();
        assertThat(nvinfer.DataType.kHALF.value).isEqualTo(1);
        assertThat(nvinfer.DataType.kINT32.value).isEqualTo(3);
        assertThat(nvinfer.DataType.kBOOL.value).isEqualTo(4);
        assertThat(nvinfer.DataType.kUINT8.value).isEqualTo(5);
        assertThat(nvinfer.DataType.kINT64.value).isEqualTo(8);
        assertThat(TrtTypes.dtype(nvinfer.DataType.kFLOAT)).isEqualTo(DType.FLOAT32);
        assertThat(TrtTypes.dtype(nvinfer.DataType.kHALF)).isEqualTo(DType.FLOAT16);
    }

    @Test
    void typesWithoutAStreamInferDTypeMapToNull() {
        for (nvinfer.DataType t : new nvinfer.DataType[]{nvinfer.DataType.kINT8, nvinfer.DataType.kFP8,
                nvinfer.DataType.kBF16, nvinfer.DataType.kINT4, nvinfer.DataType.kFP4, nvinfer.DataType.kE8M0}) {
            assertThat(TrtTypes.dtype(t)).as("%s", t).isNull();
        }
        assertThat(TrtTypes.byteSize(nvinfer.DataType.kINT4)).isZero();
        assertThat(TrtTypes.byteSize(nvinfer.DataType.kBF16)).isEqualTo(2);
    }

    @Test
    void formatIsDecidedByExtensionThenByContent() {
        byte[] onnx = {0x08, 0x07, 0x12};
        byte[] engine = "ftrt....".getBytes(StandardCharsets.US_ASCII);
        assertThat(ModelFormat.AUTO.resolve("m.onnx", engine)).isEqualTo(ModelFormat.ONNX);
        assertThat(ModelFormat.AUTO.resolve("m.PLAN", onnx)).isEqualTo(ModelFormat.ENGINE);
        assertThat(ModelFormat.AUTO.resolve("m.engine", onnx)).isEqualTo(ModelFormat.ENGINE);
        assertThat(ModelFormat.AUTO.resolve("m.trt", onnx)).isEqualTo(ModelFormat.ENGINE);
        assertThat(ModelFormat.AUTO.resolve("model.bin", onnx)).isEqualTo(ModelFormat.ONNX);
        assertThat(ModelFormat.AUTO.resolve("model.bin", engine)).isEqualTo(ModelFormat.ENGINE);
        assertThat(ModelFormat.AUTO.resolve("model.bin", new byte[0])).isEqualTo(ModelFormat.ENGINE);
        assertThat(ModelFormat.ONNX.resolve("m.plan", engine)).isEqualTo(ModelFormat.ONNX);
        assertThat(ModelFormat.ENGINE.resolve("m.onnx", onnx)).isEqualTo(ModelFormat.ENGINE);
    }
}
