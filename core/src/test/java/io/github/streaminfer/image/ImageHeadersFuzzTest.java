package io.github.streaminfer.image;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.github.streaminfer.exceptions.InvalidImageException;

import java.nio.ByteBuffer;

/**
 * Fuzz target for {@link ImageHeaders}, the header parser every decoder runs before it allocates anything: whatever
 * the bytes, it returns a format and a size within the spec's limits, or throws {@link InvalidImageException} with a
 * message; never another exception, and it never moves the buffer's position.
 *
 * <p>{@code ./mvnw verify} replays the committed inputs under {@code src/test/resources/.../ImageHeadersFuzzTestInputs};
 * {@code JAZZER_FUZZ=1} (see {@code .ci/fuzz}) fuzzes for the time {@link FuzzTest#maxDuration()} allows.
 */
class ImageHeadersFuzzTest {
    private static final long MAX_PIXELS = 1 << 20;
    private static final ImageSpec SPEC = ImageSpec.builder(32, 32).maxEncodedBytes(1 << 16).maxPixels(MAX_PIXELS)
            .build();

    @FuzzTest(maxDuration = "15s")
    void probeReturnsASizeWithinTheLimitsOrRefusesWithInvalidImage(byte[] bytes) {
        ByteBuffer buf = ByteBuffer.allocateDirect(bytes.length + 3).position(3);
        buf.put(bytes).position(3);
        ImageGeometry g = new ImageGeometry();
        try {
            ImageHeaders.Format format = ImageHeaders.probe(buf, SPEC, g);
            if (format != ImageHeaders.formatOf(buf)) {
                throw new AssertionError("probe says " + format + ", formatOf says " + ImageHeaders.formatOf(buf));
            }
            long pixels = (long) g.sourceWidth() * g.sourceHeight();
            if (g.sourceWidth() < 1 || g.sourceHeight() < 1 || pixels > MAX_PIXELS) {
                throw new AssertionError("accepted " + g.sourceWidth() + "x" + g.sourceHeight() + " with "
                        + MAX_PIXELS + " pixels allowed");
            }
        } catch (InvalidImageException e) {
            FuzzContract.requireMessage(e);
        }
        if (buf.position() != 3) {
            throw new AssertionError("probe moved the position to " + buf.position());
        }
    }
}
