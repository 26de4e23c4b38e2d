package io.github.streaminfer.media;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.github.streaminfer.image.ImageGeometry;
import io.github.streaminfer.image.ImageSpec;
import io.github.streaminfer.exceptions.InvalidImageException;
import io.github.streaminfer.tensor.DType;
import io.github.streaminfer.tensor.Tensor;
import io.github.streaminfer.tensor.TensorSpec;

import java.nio.ByteBuffer;

/**
 * Fuzz target for the OpenCV decoder, the one the server uses: whatever the bytes, {@link OpenCvImageDecoder#decodeInto}
 * fills the tensor with finite values in [0, 1] or throws {@link InvalidImageException} with a message; never another
 * exception, and never a crash of the JVM in OpenCV's native decoders (libjpeg, libpng).
 */
class OpenCvImageDecoderFuzzTest {
    private static final ImageSpec SPEC = ImageSpec.builder(16, 16).maxEncodedBytes(1 << 16).maxPixels(1 << 18)
            .build();
    private static final OpenCvImageDecoder DECODER = new OpenCvImageDecoder();
    private static final Tensor TENSOR = Tensor.allocate(TensorSpec.of("image", DType.FLOAT32, 1, 3, 16, 16));

    @FuzzTest(maxDuration = "15s")
    void decodeFillsTheTensorWithNormalisedPixelsOrRefusesWithInvalidImage(byte[] bytes) {
        if (!DECODER.isAvailable()) {
            throw new AssertionError("OpenCV is not available here", DECODER.unavailabilityCause());
        }
        ByteBuffer direct = ByteBuffer.allocateDirect(Math.max(1, bytes.length));
        direct.put(bytes).flip();
        TENSOR.putFloat(0, Float.NaN);
        try {
            DECODER.decodeInto(direct, SPEC, TENSOR, 0, new ImageGeometry());
        } catch (InvalidImageException e) {
            if (e.getMessage() == null || e.getMessage().isBlank()) {
                throw new AssertionError("refused without a message", e);
            }
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
