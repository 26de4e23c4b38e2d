package io.github.streaminfer.image;

import io.github.streaminfer.exceptions.InvalidImageException;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ImageHeadersTest {
    private final ImageSpec spec = ImageSpec.builder(64, 64).build();
    private final ImageGeometry g = new ImageGeometry();

    @Test
    void readsJpegAndPngSizesFromHeadersOnly() {
        for (int[] size : new int[][]{{32, 32}, {640, 480}, {1920, 1080}, {33, 17}}) {
            var img = TestImages.scene(size[0], size[1], false);
            assertThat(ImageHeaders.probe(ByteBuffer.wrap(TestImages.jpeg(img, 0.9f)), spec, g))
                    .isEqualTo(ImageHeaders.Format.JPEG);
            assertThat(g.sourceWidth()).isEqualTo(size[0]);
            assertThat(g.sourceHeight()).isEqualTo(size[1]);
            assertThat(ImageHeaders.probe(ByteBuffer.wrap(TestImages.png(img)), spec, g))
                    .isEqualTo(ImageHeaders.Format.PNG);
            assertThat(g.sourceWidth()).isEqualTo(size[0]);
            assertThat(g.sourceHeight()).isEqualTo(size[1]);
        }
    }

    @Test
    void positionAndByteOrderDoNotMatter() {
        byte[] png = TestImages.png(TestImages.scene(40, 30, true));
        ByteBuffer b = ByteBuffer.allocateDirect(png.length + 10).order(ByteOrder.LITTLE_ENDIAN);
        b.position(10);
        b.put(png).position(10);
        ImageHeaders.probe(b, spec, g);
        assertThat(b.position()).isEqualTo(10);
        assertThat(g.sourceWidth()).isEqualTo(40);
        assertThat(g.sourceHeight()).isEqualTo(30);
    }

    @Test
    void refusesHugeClaimedDimensionsBeforeDecoding() {
        assertThatThrownBy(() -> ImageHeaders.probe(ByteBuffer.wrap(TestImages.pngHeader(30_000, 30_000)), spec, g))
                .isInstanceOf(InvalidImageException.class)
                .hasMessageContaining("30000x30000").hasMessageContaining("maxPixels");
        byte[] jpeg = TestImages.jpeg(TestImages.scene(64, 48, false), 0.8f);
        assertThatThrownBy(() -> ImageHeaders.probe(ByteBuffer.wrap(TestImages.jpegClaiming(jpeg, 30_000, 30_000)),
                spec, g)).isInstanceOf(InvalidImageException.class).hasMessageContaining("30000x30000");
        ImageSpec tight = spec.toBuilder().maxPixels(100).build();
        assertThatThrownBy(() -> ImageHeaders.probe(ByteBuffer.wrap(jpeg), tight, g))
                .hasMessageContaining("64x48");
    }

    @Test
    void refusesOversizedEmptyAndForeignInput() {
        byte[] png = TestImages.png(TestImages.scene(64, 64, false));
        ImageSpec small = spec.toBuilder().maxEncodedBytes(png.length - 1).build();
        assertThatThrownBy(() -> ImageHeaders.probe(ByteBuffer.wrap(png), small, g))
                .isInstanceOf(InvalidImageException.class).hasMessageContaining("maxEncodedBytes");
        assertThatThrownBy(() -> ImageHeaders.probe(ByteBuffer.allocate(0), spec, g))
                .isInstanceOf(InvalidImageException.class).hasMessageContaining("empty");
        assertThatThrownBy(() -> ImageHeaders.probe(ByteBuffer.wrap("GIF89a....".getBytes()), spec, g))
                .isInstanceOf(InvalidImageException.class).hasMessageContaining("not a JPEG or PNG");
    }

    @Test
    void refusesTruncatedFiles() {
        byte[] jpeg = TestImages.jpeg(TestImages.scene(200, 100, false), 0.9f);
        byte[] png = TestImages.png(TestImages.scene(200, 100, false));
        for (int cut : new int[]{3, 10, 40, 200}) {
            assertThatThrownBy(() -> ImageHeaders.probe(ByteBuffer.wrap(Arrays.copyOf(jpeg, cut)), spec, g))
                    .isInstanceOf(InvalidImageException.class);
            assertThatThrownBy(() -> ImageHeaders.probe(ByteBuffer.wrap(Arrays.copyOf(png, cut)), spec, g))
                    .isInstanceOf(InvalidImageException.class);
        }
        assertThatThrownBy(() -> ImageHeaders.probe(ByteBuffer.wrap(Arrays.copyOf(jpeg, jpeg.length / 2)), spec, g))
                .hasMessageContaining("truncated");
        assertThatThrownBy(() -> ImageHeaders.probe(ByteBuffer.wrap(Arrays.copyOf(png, png.length / 2)), spec, g))
                .hasMessageContaining("truncated");
    }

    @Test
    void randomMutationsOnlyEverGiveInvalidImageException() {
        byte[] jpeg = TestImages.jpeg(TestImages.scene(48, 32, false), 0.7f);
        java.util.Random r = new java.util.Random(42);
        for (int i = 0; i < 2000; i++) {
            byte[] m = jpeg.clone();
            for (int k = 0; k < 1 + r.nextInt(6); k++) {
                m[r.nextInt(Math.min(m.length, 700))] = (byte) r.nextInt(256);
            }
            byte[] cut = Arrays.copyOf(m, 1 + r.nextInt(m.length));
            for (byte[] candidate : new byte[][]{m, cut}) {
                try {
                    ImageHeaders.probe(ByteBuffer.wrap(candidate), spec, g);
                    assertThat(g.sourceWidth()).isPositive();
                } catch (InvalidImageException expected) {
                    assertThat(expected.getMessage()).isNotBlank();
                }
            }
        }
    }

    @Test
    void readOfBytesAtAnOffsetAgreesWithTheProbeAndChecksNoLimit() {
        byte[] jpeg = TestImages.jpeg(TestImages.scene(33, 17, false), 0.9f);
        byte[] shifted = new byte[jpeg.length + 5];
        System.arraycopy(jpeg, 0, shifted, 5, jpeg.length);
        ImageHeaders.Header h = new ImageHeaders.Header();
        assertThat(ImageHeaders.read(shifted, 5, jpeg.length, h)).isEqualTo(ImageHeaders.READ);
        assertThat(h.format()).isEqualTo(ImageHeaders.Format.JPEG);
        assertThat(h.width()).isEqualTo(33);
        assertThat(h.height()).isEqualTo(17);
        assertThat(h.bitsPerSample()).isEqualTo(8);
        byte[] huge = TestImages.pngHeader(30_000, 30_000);
        assertThat(ImageHeaders.read(huge, 0, huge.length, h)).isEqualTo(ImageHeaders.READ);
        assertThat(h.format()).isEqualTo(ImageHeaders.Format.PNG);
        assertThat(h.width() * h.height()).isEqualTo(900_000_000L);
    }

    @Test
    void readSaysWhereAMalformedHeaderStops() {
        ImageHeaders.Header h = new ImageHeaders.Header();
        byte[] gif = "GIF89a....".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        assertThat(ImageHeaders.read(gif, 0, gif.length, h)).isEqualTo(ImageHeaders.NOT_JPEG_OR_PNG);
        byte[] noMarker = {(byte) 0xFF, (byte) 0xD8, 1, 2, 3};
        assertThat(ImageHeaders.read(noMarker, 0, noMarker.length, h)).isEqualTo(ImageHeaders.JPEG_MARKER_EXPECTED);
        assertThat(h.at()).isEqualTo(2);
        byte[] badLength = {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, (byte) 0xE0, 0, 1};
        assertThat(ImageHeaders.read(badLength, 0, badLength.length, h)).isEqualTo(ImageHeaders.JPEG_SEGMENT_LENGTH);
        assertThat(h.value()).isEqualTo(1);
        assertThat(h.at()).isEqualTo(4);
        byte[] scanFirst = {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, (byte) 0xDA};
        assertThat(ImageHeaders.read(scanFirst, 0, scanFirst.length, h)).isEqualTo(ImageHeaders.JPEG_NO_FRAME);
        byte[] jpeg = TestImages.jpeg(TestImages.scene(32, 32, false), 0.9f);
        assertThat(ImageHeaders.read(jpeg, 0, 12, h)).isEqualTo(ImageHeaders.JPEG_TRUNCATED);
        byte[] png = Arrays.copyOf(TestImages.png(TestImages.scene(8, 8, false)), 20);
        assertThat(ImageHeaders.read(png, 0, png.length, h)).isEqualTo(ImageHeaders.PNG_NO_IHDR);
    }
}
