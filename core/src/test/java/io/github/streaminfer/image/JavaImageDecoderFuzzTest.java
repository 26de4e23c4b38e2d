package io.github.streaminfer.image;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.github.streaminfer.exceptions.InvalidImageException;
import io.github.streaminfer.tensor.DType;
import io.github.streaminfer.tensor.Tensor;
import io.github.streaminfer.tensor.TensorSpec;

import java.nio.ByteBuffer;

/**
 * Fuzz target for the pure-Java decoder core ships: whatever the bytes, {@link JavaImageDecoder#decodeInto} fills the
 * tensor with finite values in [0, 1] (the default normalisation) or throws {@link InvalidImageException} with a
 * message; never another exception (no {@code IIOException}, {@code ArrayIndexOutOfBoundsException},
 * {@code OutOfMemoryError} from a header that lies about its size).
 */
class JavaImageDecoderFuzzTest {
    private static final ImageSpec SPEC = ImageSpec.builder(16, 16).maxEncodedBytes(1 << 16).maxPixels(1 << 18)
            .build();
    private static final JavaImageDecoder DECODER = new JavaImageDecoder();
    private static final Tensor TENSOR = Tensor.allocate(TensorSpec.of("image", DType.FLOAT32, 1, 3, 16, 16));

    @FuzzTest(maxDuration = "15s")
    void decodeFillsTheTensorWithNormalisedPixelsOrRefusesWithInvalidImage(byte[] bytes) {
        TENSOR.putFloat(0, Float.NaN);
        try {
            DECODER.decodeInto(ByteBuffer.wrap(bytes), SPEC, TENSOR, 0, new ImageGeometry());
        } catch (InvalidImageException e) {
            FuzzContract.requireMessage(e);
            return;
        }
        for (long i = 0; i < TENSOR.elementCount(); i++) {
            float v = TENSOR.getFloat(i);
            if (!(v >= 0f && v <= 1f)) {
                throw new AssertionError("decoded element " + i + " is " + v + "; expected a value in [0, 1]");
            }
        }
    }
}
