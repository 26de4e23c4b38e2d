package io.github.streaminfer.image;

import io.github.streaminfer.exceptions.InvalidImageException;
import io.github.streaminfer.tensor.DType;
import io.github.streaminfer.tensor.Tensor;
import io.github.streaminfer.tensor.TensorSpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class JavaImageDecoderTest {
    private final JavaImageDecoder decoder = new JavaImageDecoder();
    private final ImageGeometry g = new ImageGeometry();

    @AfterEach
    void close() {
        decoder.close();
    }

    private static Tensor tensor(ImageSpec spec) {
        long[] shape = spec.layout() == ImageSpec.Layout.NCHW ? new long[]{1, 3, spec.height(), spec.width()}
                : new long[]{1, spec.height(), spec.width(), 3};
        return Tensor.allocate(TensorSpec.of("image", spec.dtype(), shape));
    }

    @Test
    void sameSizePngIsCopiedExactlyInEveryLayoutAndOrder() {
        BufferedImage img = TestImages.scene(48, 36, false);
        ByteBuffer png = TestImages.direct(TestImages.png(img));
        for (ImageSpec.Layout layout : ImageSpec.Layout.values()) {
            for (ImageSpec.ChannelOrder order : ImageSpec.ChannelOrder.values()) {
                ImageSpec spec = ImageSpec.builder(48, 36).layout(layout).channelOrder(order).build();
                Tensor t = tensor(spec);
                decoder.decodeInto(png, spec, t, 0, g);
                for (int y = 0; y < 36; y++) {
                    for (int x = 0; x < 48; x++) {
                        int rgb = img.getRGB(x, y);
                        int[] v = {(rgb >> 16) & 255, (rgb >> 8) & 255, rgb & 255};
                        for (int c = 0; c < 3; c++) {
                            int src = order == ImageSpec.ChannelOrder.RGB ? v[c] : v[2 - c];
                            long i = layout == ImageSpec.Layout.NCHW ? c * 48L * 36 + y * 48L + x
                                    : (y * 48L + x) * 3 + c;
                            assertThat(t.getFloat(i)).isCloseTo(src / 255f, within(1e-6f));
                        }
                    }
                }
            }
        }
        assertThat(png.position()).isZero();
    }

    @Test
    void letterboxPadsAndCentresAndMapsBack() {
        BufferedImage img = new BufferedImage(1920, 1080, BufferedImage.TYPE_3BYTE_BGR);
        Graphics2D gr = img.createGraphics();
        gr.setColor(Color.RED);
        gr.fillRect(0, 0, 960, 1080);
        gr.setColor(Color.BLUE);
        gr.fillRect(960, 0, 960, 1080);
        gr.dispose();
        ImageSpec spec = ImageSpec.builder(640, 640).resize(ImageSpec.ResizeMode.LETTERBOX).padColor(0x102030)
                .build();
        Tensor t = tensor(spec);
        decoder.decodeInto(TestImages.direct(TestImages.png(img)), spec, t, 0, g);
        assertThat(g.sourceWidth()).isEqualTo(1920);
        assertThat(g.padX()).isZero();
        assertThat(g.padY()).isEqualTo(140);
        int plane = 640 * 640;
        // red left, blue right, pad above and below
        assertThat(t.getFloat(320 * 640 + 100)).isEqualTo(1f);
        assertThat(t.getFloat(2 * plane + 320 * 640 + 100)).isEqualTo(0f);
        assertThat(t.getFloat(2 * plane + 320 * 640 + 540)).isEqualTo(1f);
        assertThat(t.getFloat(50 * 640 + 320)).isCloseTo(0x10 / 255f, within(1e-6f));
        assertThat(t.getFloat(plane + 600 * 640 + 320)).isCloseTo(0x20 / 255f, within(1e-6f));
        assertThat(t.getFloat(2 * plane + 139 * 640 + 320)).isCloseTo(0x30 / 255f, within(1e-6f));
        assertThat(t.getFloat(140 * 640 + 10)).isEqualTo(1f);
        assertThat(g.toSourceX(320)).isCloseTo(960f, within(0.01f));
        assertThat(g.toSourceY(140)).isCloseTo(0f, within(0.01f));
        assertThat(g.toSourceY(500)).isCloseTo(1080f, within(0.01f));
    }

    @Test
    void greyAndColourJpegsOfManySizesDecodeNearTheirSource() {
        int[][] sizes = {{32, 32}, {160, 120}, {640, 480}, {1280, 720}, {1920, 1080}};
        for (int[] s : sizes) {
            for (boolean grey : new boolean[]{false, true}) {
                BufferedImage img = TestImages.scene(s[0], s[1], grey);
                ByteBuffer jpeg = TestImages.direct(TestImages.jpeg(img, 0.95f));
                ImageSpec spec = ImageSpec.builder(s[0], s[1]).build();
                Tensor t = tensor(spec);
                decoder.decodeInto(jpeg, spec, t, 0, g);
                double err = 0;
                int plane = s[0] * s[1];
                for (int y = 0; y < s[1]; y += 7) {
                    for (int x = 0; x < s[0]; x += 5) {
                        int rgb = img.getRGB(x, y);
                        if (grey) {
                            // getRGB on a grey image applies a colour conversion; compare the raw raster
                            rgb = img.getRaster().getSample(x, y, 0) * 0x010101;
                        }
                        err = Math.max(err, Math.abs(t.getFloat(y * s[0] + x) * 255 - ((rgb >> 16) & 255)));
                        if (grey) {
                            assertThat(t.getFloat(y * s[0] + x)).isEqualTo(t.getFloat(2 * plane + y * s[0] + x));
                        }
                    }
                }
                // lossy compression at quality 0.95: mean error is small; a sharp edge may be off by more
                assertThat(err).as("max error %dx%d grey=%s", s[0], s[1], grey).isLessThan(96);
            }
        }
    }

    @Test
    void normalisesWithMeanStdAndWritesUint8() {
        BufferedImage img = TestImages.scene(64, 64, false);
        ByteBuffer png = TestImages.direct(TestImages.png(img));
        float[] mean = {0.485f, 0.456f, 0.406f};
        float[] std = {0.229f, 0.224f, 0.225f};
        ImageSpec f = ImageSpec.builder(64, 64).normalize(mean, std).build();
        Tensor tf = tensor(f);
        decoder.decodeInto(png, f, tf, 0, g);
        ImageSpec u = ImageSpec.builder(64, 64).dtype(DType.UINT8).layout(ImageSpec.Layout.NHWC).build();
        Tensor tu = tensor(u);
        decoder.decodeInto(png, u, tu, 0, g);
        for (int y = 0; y < 64; y += 3) {
            for (int x = 0; x < 64; x += 3) {
                int rgb = img.getRGB(x, y);
                int[] v = {(rgb >> 16) & 255, (rgb >> 8) & 255, rgb & 255};
                for (int c = 0; c < 3; c++) {
                    assertThat(tf.getFloat(c * 4096L + y * 64 + x))
                            .isCloseTo((v[c] / 255f - mean[c]) / std[c], within(1e-4f));
                    assertThat(tu.buffer().get((y * 64 + x) * 3 + c) & 0xFF).isEqualTo(v[c]);
                }
            }
        }
    }

    @Test
    void writesTheNthImageOfABatchAtItsOffset() {
        ImageSpec spec = ImageSpec.builder(16, 16).build();
        Tensor batch = Tensor.allocate(TensorSpec.of("b", DType.FLOAT32, 2, 3, 16, 16));
        BufferedImage white = new BufferedImage(16, 16, BufferedImage.TYPE_3BYTE_BGR);
        Graphics2D gr = white.createGraphics();
        gr.setColor(Color.WHITE);
        gr.fillRect(0, 0, 16, 16);
        gr.dispose();
        decoder.decodeInto(TestImages.direct(TestImages.png(white)), spec, batch, spec.elementsPerImage(), g);
        assertThat(batch.getFloat(0)).isZero();
        assertThat(batch.getFloat(spec.elementsPerImage())).isEqualTo(1f);
        assertThatThrownBy(() -> decoder.decodeInto(TestImages.direct(TestImages.png(white)), spec, batch,
                2 * spec.elementsPerImage(), g)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void rawPixelsFitLikeTheDecodedImage() {
        BufferedImage img = TestImages.scene(100, 60, false);
        ImageSpec spec = ImageSpec.builder(64, 64).resize(ImageSpec.ResizeMode.LETTERBOX).build();
        Tensor fromPng = tensor(spec);
        decoder.decodeInto(TestImages.direct(TestImages.png(img)), spec, fromPng, 0, g);
        ByteBuffer bgr = ByteBuffer.allocateDirect(100 * 60 * 3 + 60 * 4);
        int stride = 100 * 3 + 4;
        for (int y = 0; y < 60; y++) {
            for (int x = 0; x < 100; x++) {
                int rgb = img.getRGB(x, y);
                bgr.put(y * stride + x * 3, (byte) rgb).put(y * stride + x * 3 + 1, (byte) (rgb >> 8))
                        .put(y * stride + x * 3 + 2, (byte) (rgb >> 16));
            }
        }
        Tensor fromRaw = tensor(spec);
        decoder.fitInto(bgr, 100, 60, stride, PixelFormat.BGR, spec, fromRaw, 0, g);
        assertThat(fromRaw.buffer()).isEqualTo(fromPng.buffer());
    }

    @Test
    void corruptTruncatedAndHugeInputsGiveInvalidImageException() {
        ImageSpec spec = ImageSpec.builder(64, 64).build();
        Tensor t = tensor(spec);
        byte[] jpeg = TestImages.jpeg(TestImages.scene(320, 240, false), 0.9f);
        byte[] png = TestImages.png(TestImages.scene(320, 240, false));
        assertThatThrownBy(() -> decoder.decodeInto(ByteBuffer.wrap(Arrays.copyOf(jpeg, jpeg.length - 200)), spec,
                t, 0, g)).isInstanceOf(InvalidImageException.class).hasMessageContaining("truncated");
        assertThatThrownBy(() -> decoder.decodeInto(ByteBuffer.wrap(Arrays.copyOf(png, png.length - 100)), spec,
                t, 0, g)).isInstanceOf(InvalidImageException.class).hasMessageContaining("truncated");
        assertThatThrownBy(() -> decoder.decodeInto(ByteBuffer.wrap(TestImages.pngHeader(30_000, 30_000)), spec,
                t, 0, g)).isInstanceOf(InvalidImageException.class).hasMessageContaining("maxPixels");
        // a valid-looking small PNG whose data is garbage
        byte[] fake = TestImages.pngHeader(64, 64);
        assertThatThrownBy(() -> decoder.decodeInto(ByteBuffer.wrap(fake), spec, t, 0, g))
                .isInstanceOf(InvalidImageException.class).hasMessageContaining("corrupt PNG");
        byte[] scrambled = png.clone();
        for (int i = 100; i < scrambled.length - 100; i += 13) {
            scrambled[i] ^= 0x5A;
        }
        assertThatThrownBy(() -> decoder.decodeInto(ByteBuffer.wrap(scrambled), spec, t, 0, g))
                .isInstanceOf(InvalidImageException.class);
        // after failures the decoder still works
        decoder.decodeInto(ByteBuffer.wrap(jpeg), spec, t, 0, g);
        assertThat(g.sourceWidth()).isEqualTo(320);
    }

    @Test
    void mutatedJpegsNeverThrowAnythingElse() {
        byte[] jpeg = TestImages.jpeg(TestImages.scene(64, 48, false), 0.8f);
        ImageSpec spec = ImageSpec.builder(32, 32).build();
        Tensor t = tensor(spec);
        Random r = new Random(7);
        int ok = 0;
        for (int i = 0; i < 300; i++) {
            byte[] m = jpeg.clone();
            for (int k = 0; k < 1 + r.nextInt(4); k++) {
                m[r.nextInt(m.length)] = (byte) r.nextInt(256);
            }
            try {
                decoder.decodeInto(ByteBuffer.wrap(m), spec, t, 0, g);
                ok++;
            } catch (InvalidImageException expected) {
                assertThat(expected.getMessage()).isNotBlank();
            }
        }
        assertThat(ok).isPositive();
    }

    @Test
    void closedDecoderRefusesWork() {
        decoder.close();
        decoder.close();
        assertThatThrownBy(() -> decoder.probe(ByteBuffer.wrap(TestImages.pngHeader(1, 1)),
                ImageSpec.builder(1, 1).build(), g)).isInstanceOf(IllegalStateException.class);
    }
}
