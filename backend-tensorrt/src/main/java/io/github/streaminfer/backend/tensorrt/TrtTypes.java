package io.github.streaminfer.backend.tensorrt;

import io.github.streaminfer.tensor.DType;
import org.bytedeco.tensorrt.global.nvinfer;

/**
 * Maps TensorRT's {@code DataType} to StreamInfer's {@link DType} and back. Pure Java: the preset's enum classes load
 * no native code.
 */
final class TrtTypes {
    private TrtTypes() {
    }

    /**
     * {@return the matching dtype, or null if StreamInfer has none (int8, fp8, bf16, int4, fp4, e8m0)}
     *
     * @param type a TensorRT data type
     */
    static DType dtype(nvinfer.DataType type) {
        // enums coming back from native code are matched by value: intern() returns the canonical constant
        return switch (type.intern()) {
            case kFLOAT -> DType.FLOAT32;
            case kHALF -> DType.FLOAT16;
            case kINT32 -> DType.INT32;
            case kINT64 -> DType.INT64;
            case kUINT8 -> DType.UINT8;
            case kBOOL -> DType.BOOL;
            default -> null;
        };
    }

    /**
     * {@return the TensorRT data type of the same layout}
     *
     * @param dtype a StreamInfer dtype
     */
    static nvinfer.DataType trt(DType dtype) {
        return switch (dtype) {
            case FLOAT32 -> nvinfer.DataType.kFLOAT;
            case FLOAT16 -> nvinfer.DataType.kHALF;
            case INT32 -> nvinfer.DataType.kINT32;
            case INT64 -> nvinfer.DataType.kINT64;
            case UINT8 -> nvinfer.DataType.kUINT8;
            case BOOL -> nvinfer.DataType.kBOOL;
        };
    }

    /**
     * {@return its element size in bytes; 0 for sub-byte types (int4, fp4)}
     *
     * @param type a TensorRT data type
     */
    static int byteSize(nvinfer.DataType type) {
        return switch (type.intern()) {
            case kFLOAT, kINT32 -> 4;
            case kHALF, kBF16 -> 2;
            case kINT64 -> 8;
            case kINT8, kUINT8, kBOOL, kFP8, kE8M0 -> 1;
            default -> 0;
        };
    }

    /** {@return the dtypes StreamInfer supports, for messages} */
    static String supported() {
        return "float32 (kFLOAT), float16 (kHALF), int32, int64, uint8, bool";
    }
}
