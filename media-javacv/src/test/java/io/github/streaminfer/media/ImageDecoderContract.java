package io.github.streaminfer.media;

import io.github.streaminfer.testkit.TestImages;

import io.github.streaminfer.exceptions.InvalidImageException;
import io.github.streaminfer.image.ImageDecoder;
import io.github.streaminfer.image.ImageGeometry;
import io.github.streaminfer.image.ImageSpec;
import io.github.streaminfer.image.PixelFormat;
import io.github.streaminfer.tensor.DType;
import io.github.streaminfer.tensor.Tensor;
import io.github.streaminfer.tensor.TensorSpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.awt.image.BufferedImage;
import java.nio.ByteBuffer;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * What every {@link ImageDecoder} must do, checked against values known from the source image; one subclass per
 * implementation.
 */
abstract class ImageDecoderContract {
    protected ImageDecoder decoder;
    private final ImageGeometry g = new ImageGeometry();

    /** @return a fresh decoder instance */
    protected abstract ImageDecoder create();

    @BeforeEach
    void open() {
        decoder = create();
    }

    @AfterEach
    void close() {
        decoder.close();
    }

    private static Tensor tensor(ImageSpec spec) {
        return OpenCvImageDecoderTest.tensor(spec);
    }

    @Test
    void identitySizePngIsExactInBothLayoutsAndOrders() {
        BufferedImage img = TestImages.scene(37, 23, false);
        ByteBuffer png = TestImages.direct(TestImages.png(img));
        for (ImageSpec.Layout layout : ImageSpec.Layout.values()) {
            for (ImageSpec.ChannelOrder order : ImageSpec.ChannelOrder.values()) {
                ImageSpec spec = ImageSpec.builder(37, 23).layout(layout).channelOrder(order).dtype(DType.UINT8)
                        .build();
                Tensor t = tensor(spec);
                decoder.decodeInto(png, spec, t, 0, g);
                for (int y = 0; y < 23; y++) {
                    for (int x = 0; x < 37; x++) {
                        int rgb = img.getRGB(x, y);
                        int[] v = {(rgb >> 16) & 255, (rgb >> 8) & 255, rgb & 255};
                        for (int c = 0; c < 3; c++) {
                            int expected = order == ImageSpec.ChannelOrder.RGB ? v[c] : v[2 - c];
                            int i = layout == ImageSpec.Layout.NCHW ? c * 37 * 23 + y * 37 + x : (y * 37 + x) * 3 + c;
                            assertThat(t.buffer().get(i) & 0xFF).isEqualTo(expected);
                        }
                    }
                }
            }
        }
        assertThat(png.position()).isZero();
    }

    @Test
    void letterboxGeometryAndPadding() {
        ImageSpec spec = ImageSpec.builder(100, 100).resize(ImageSpec.ResizeMode.LETTERBOX).padColor(0x0A141E)
                .build();
        Tensor t = tensor(spec);
        decoder.decodeInto(TestImages.direct(TestImages.png(TestImages.scene(200, 50, false))), spec, t, 0, g);
        assertThat(g.sourceWidth()).isEqualTo(200);
        assertThat(g.sourceHeight()).isEqualTo(50);
        assertThat(g.scaleX()).isEqualTo(0.5f);
        assertThat(g.padX()).isZero();
        assertThat(g.padY()).isEqualTo(37);
        assertThat(t.getFloat(0)).isCloseTo(10 / 255f, within(1e-6f));
        assertThat(t.getFloat(10_000 + 99 * 100 + 99)).isCloseTo(20 / 255f, within(1e-6f));
        assertThat(t.getFloat(20_000 + 36 * 100 + 50)).isCloseTo(30 / 255f, within(1e-6f));
    }

    @Test
    void probeReadsTheHeaderOnly() {
        ImageSpec spec = ImageSpec.builder(8, 8).build();
        decoder.probe(ByteBuffer.wrap(TestImages.jpeg(TestImages.scene(123, 45, true), 0.8f)), spec, g);
        assertThat(g.sourceWidth()).isEqualTo(123);
        assertThat(g.sourceHeight()).isEqualTo(45);
    }

    @Test
    void rawFramesOfEveryFormat() {
        ImageSpec spec = ImageSpec.builder(4, 2).dtype(DType.UINT8).layout(ImageSpec.Layout.NHWC).build();
        ByteBuffer grey = ByteBuffer.allocateDirect(8);
        for (int i = 0; i < 8; i++) {
            grey.put(i, (byte) (i * 30));
        }
        Tensor t = tensor(spec);
        decoder.fitInto(grey, 4, 2, 4, PixelFormat.GRAY, spec, t, 0, g);
        assertThat(t.buffer().get(3 * 5 + 1) & 0xFF).isEqualTo(150);
        ByteBuffer rgb = ByteBuffer.allocateDirect(24);
        rgb.put(0, (byte) 200).put(1, (byte) 100).put(2, (byte) 50);
        decoder.fitInto(rgb, 4, 2, 12, PixelFormat.RGB, spec, t, 0, g);
        assertThat(t.buffer().get(0) & 0xFF).isEqualTo(200);
        assertThat(t.buffer().get(2) & 0xFF).isEqualTo(50);
        decoder.fitInto(rgb, 4, 2, 12, PixelFormat.BGR, spec, t, 0, g);
        assertThat(t.buffer().get(0) & 0xFF).isEqualTo(50);
        byte[] heap = new byte[30];
        heap[3 + 12] = (byte) 77; // second row, first pixel, behind a 3-byte offset and a 12-byte stride
        decoder.fitInto(ByteBuffer.wrap(heap).position(3), 4, 2, 12, PixelFormat.RGB, spec, t, 0, g);
        assertThat(t.buffer().get(4 * 3) & 0xFF).isEqualTo(77);
        assertThat(t.buffer().get(0) & 0xFF).isZero();
        assertThatThrownBy(() -> decoder.fitInto(rgb, 4, 3, 12, PixelFormat.RGB, spec, t, 0, g))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("needs 36 bytes");
        ImageSpec tiny = spec.toBuilder().maxPixels(4).build();
        assertThatThrownBy(() -> decoder.fitInto(rgb, 4, 2, 12, PixelFormat.RGB, tiny, t, 0, g))
                .isInstanceOf(InvalidImageException.class).hasMessageContaining("maxPixels");
    }

    @Test
    void wrongTensorIsAProgrammerError() {
        ImageSpec spec = ImageSpec.builder(8, 8).build();
        Tensor ints = Tensor.allocate(TensorSpec.of("x", DType.UINT8, 1, 3, 8, 8));
        ByteBuffer png = ByteBuffer.wrap(TestImages.png(TestImages.scene(8, 8, false)));
        assertThatThrownBy(() -> decoder.decodeInto(png, spec, ints, 0, g))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("UINT8");
    }

    @Test
    void badInputsAreInvalidImages() {
        ImageSpec spec = ImageSpec.builder(8, 8).build();
        Tensor t = tensor(spec);
        byte[] jpeg = TestImages.jpeg(TestImages.scene(64, 64, false), 0.9f);
        for (byte[] bad : new byte[][]{new byte[0], "hello".getBytes(), Arrays.copyOf(jpeg, 100),
                Arrays.copyOf(jpeg, jpeg.length - 10), TestImages.pngHeader(30_000, 30_000),
                TestImages.jpegClaiming(jpeg, 60_000, 60_000), TestImages.pngHeader(8, 8)}) {
            assertThatThrownBy(() -> decoder.decodeInto(ByteBuffer.wrap(bad), spec, t, 0, g))
                    .isInstanceOf(InvalidImageException.class);
        }
    }

    @Test
    void closedDecoderRefusesWork() {
        decoder.close();
        assertThatThrownBy(() -> decoder.probe(ByteBuffer.wrap(TestImages.pngHeader(1, 1)),
                ImageSpec.builder(1, 1).build(), g)).isInstanceOf(IllegalStateException.class);
    }
}
