package io.github.streaminfer.image;

import io.github.streaminfer.exceptions.InvalidImageException;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;

import java.nio.ByteBuffer;

import static org.assertj.core.api.Assertions.assertThat;

/** Whatever the bytes, the header parser answers with a size or an {@link InvalidImageException}, nothing else. */
class ImageHeadersPropertyTest {
    private static final byte[] JPEG = TestImages.jpeg(TestImages.scene(40, 30, false), 0.8f);
    private static final byte[] PNG = TestImages.png(TestImages.scene(40, 30, true));
    private final ImageSpec spec = ImageSpec.builder(8, 8).build();

    @Property(tries = 1000)
    void arbitraryBytes(@ForAll @Size(max = 300) byte[] bytes) {
        check(bytes);
    }

    @Property(tries = 1000)
    void arbitraryBytesBehindAJpegOrPngSignature(@ForAll boolean png, @ForAll @Size(max = 200) byte[] tail) {
        byte[] head = png ? new byte[]{(byte) 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A}
                : new byte[]{(byte) 0xFF, (byte) 0xD8, (byte) 0xFF};
        byte[] b = new byte[head.length + tail.length];
        System.arraycopy(head, 0, b, 0, head.length);
        System.arraycopy(tail, 0, b, head.length, tail.length);
        check(b);
    }

    @Property(tries = 1000)
    void mutatedRealImages(@ForAll("mutations") int[] edits, @ForAll boolean png) {
        byte[] b = (png ? PNG : JPEG).clone();
        for (int i = 0; i + 1 < edits.length; i += 2) {
            b[Math.floorMod(edits[i], Math.min(b.length, 128))] = (byte) edits[i + 1];
        }
        check(b);
    }

    @Provide
    Arbitrary<int[]> mutations() {
        return Arbitraries.integers().array(int[].class).ofMinSize(2).ofMaxSize(8);
    }

    private void check(byte[] bytes) {
        ImageGeometry g = new ImageGeometry();
        try {
            ImageHeaders.probe(ByteBuffer.wrap(bytes), spec, g);
            assertThat(g.sourceWidth()).isPositive();
            assertThat((long) g.sourceWidth() * g.sourceHeight()).isLessThanOrEqualTo(spec.maxPixels());
        } catch (InvalidImageException expected) {
            assertThat(expected.getMessage()).isNotBlank();
        }
    }
}
