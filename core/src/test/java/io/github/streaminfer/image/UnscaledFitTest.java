package io.github.streaminfer.image;

import io.github.streaminfer.exceptions.InvalidImageException;
import io.github.streaminfer.task.ImageFrame;
import io.github.streaminfer.task.ImageInput;
import io.github.streaminfer.task.RawImage;
import io.github.streaminfer.tensor.DType;
import io.github.streaminfer.tensor.Tensor;
import io.github.streaminfer.tensor.TensorSpec;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Raw pixels at the target size go straight into the tensor with exactly the values the pure-Java decoder's
 * general (bilinear) path writes, for every pixel format, layout, dtype and channel order.
 */
class UnscaledFitTest {

    static Tensor tensor(ImageSpec spec) {
        long[] shape = spec.layout() == ImageSpec.Layout.NCHW ? new long[]{1, 3, spec.height(), spec.width()}
                : new long[]{1, spec.height(), spec.width(), 3};
        return Tensor.allocate(TensorSpec.of("image", spec.dtype(), shape));
    }

    static List<ImageSpec> specs(int w, int h) {
        List<ImageSpec> specs = new ArrayList<>();
        for (ImageSpec.Layout layout : ImageSpec.Layout.values()) {
            for (DType dtype : new DType[]{DType.FLOAT32, DType.UINT8}) {
                for (ImageSpec.ChannelOrder order : ImageSpec.ChannelOrder.values()) {
                    for (ImageSpec.ResizeMode mode : ImageSpec.ResizeMode.values()) {
                        ImageSpec.Builder b = ImageSpec.builder(w, h).layout(layout).dtype(dtype).channelOrder(order)
                                .resize(mode);
                        if (dtype == DType.FLOAT32) {
                            b.normalize(new float[]{0.485f, 0.456f, 0.406f}, new float[]{0.229f, 0.224f, 0.225f});
                        }
                        specs.add(b.build());
                    }
                }
            }
        }
        return specs;
    }

    /** Element-wise equality: float bits for FLOAT32, bytes for UINT8. */
    static void assertSame(Tensor a, Tensor b) {
        if (a.dtype() == DType.FLOAT32) {
            for (long i = 0; i < a.elementCount(); i++) {
                assertThat(Float.floatToIntBits(a.getFloat(i))).as("element %d", i)
                        .isEqualTo(Float.floatToIntBits(b.getFloat(i)));
            }
        } else {
            assertThat(a.buffer()).isEqualTo(b.buffer());
        }
    }

    @Test
    void targetSizePixelsMatchThePureJavaDecoderExactly() {
        int w = 13;
        int h = 7;
        Random rnd = new Random(42);
        try (JavaImageDecoder java = new JavaImageDecoder()) {
            for (PixelFormat format : PixelFormat.values()) {
                int stride = w * format.channels() + 5; // a padded row
                byte[] px = new byte[3 + stride * h];
                rnd.nextBytes(px);
                // a direct copy takes the decoder's general bilinear path (no heap array to shortcut)
                ByteBuffer direct = ByteBuffer.allocateDirect(px.length).put(px).position(3);
                for (ImageSpec spec : specs(w, h)) {
                    Tensor viaDecoder = tensor(spec);
                    Tensor viaFit = tensor(spec);
                    ImageGeometry gd = new ImageGeometry();
                    ImageGeometry gf = new ImageGeometry();
                    java.fitInto(direct, w, h, stride, format, spec, viaDecoder, 0, gd);
                    UnscaledFit.write(px, 3, w, h, stride, format, spec, viaFit, 0, gf);
                    assertSame(viaFit, viaDecoder);
                    assertThat(gf.toString()).isEqualTo(gd.toString());
                }
            }
        }
    }

    @Test
    void imageInputWritesTargetSizeRawFramesWithoutADecoder() {
        ImageSpec spec = ImageSpec.builder(16, 12).build();
        byte[] px = new byte[16 * 12 * 3];
        new Random(7).nextBytes(px);
        Tensor viaInput = tensor(spec);
        Tensor viaDecoder = tensor(spec);
        JavaImageDecoder refuses = new JavaImageDecoder();
        refuses.close(); // a closed decoder throws if it is asked for anything
        ImageInput input = new ImageInput(spec, refuses);
        input.write(ImageFrame.raw(new RawImage(16, 12, PixelFormat.RGB, px)), viaInput, 0, new ImageGeometry());
        try (JavaImageDecoder java = new JavaImageDecoder()) {
            ByteBuffer direct = ByteBuffer.allocateDirect(px.length).put(px).clear();
            java.fitInto(direct, 16, 12, 48, PixelFormat.RGB, spec, viaDecoder, 0, new ImageGeometry());
        }
        assertSame(viaInput, viaDecoder);
    }

    @Test
    void writesAtAnElementOffsetAndLeavesTheRestAlone() {
        ImageSpec spec = ImageSpec.builder(4, 2).dtype(DType.UINT8).build();
        Tensor t = Tensor.allocate(TensorSpec.of("image", DType.UINT8, 2, 3, 2, 4));
        byte[] px = new byte[4 * 2 * 3];
        for (int i = 0; i < px.length; i++) {
            px[i] = (byte) (i + 1);
        }
        UnscaledFit.write(px, 0, 4, 2, 12, PixelFormat.RGB, spec, t, spec.elementsPerImage(), new ImageGeometry());
        assertThat(t.buffer().get(0)).isZero();
        assertThat(t.buffer().get(24)).isEqualTo((byte) 1); // R of pixel 0 in image 1's first plane
        assertThat(t.buffer().get(24 + 8)).isEqualTo((byte) 2); // its G in the second plane
        assertThat(t.buffer().get(24 + 16 + 7)).isEqualTo((byte) 24); // B of the last pixel
    }

    @Test
    void refusesOtherSizesShortArraysAndTheLimit() {
        ImageSpec spec = ImageSpec.builder(4, 2).build();
        Tensor t = tensor(spec);
        ImageGeometry g = new ImageGeometry();
        assertThat(UnscaledFit.applies(spec, 4, 2)).isTrue();
        assertThat(UnscaledFit.applies(spec, 8, 4)).isFalse();
        assertThatThrownBy(() -> UnscaledFit.write(new byte[96], 0, 8, 4, 24, PixelFormat.RGB, spec, t, 0, g))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not the target size");
        assertThatThrownBy(() -> UnscaledFit.write(new byte[23], 0, 4, 2, 12, PixelFormat.RGB, spec, t, 0, g))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("needs 24 bytes");
        ImageSpec tiny = spec.toBuilder().maxPixels(7).build();
        assertThatThrownBy(() -> UnscaledFit.write(new byte[24], 0, 4, 2, 12, PixelFormat.RGB, tiny, t, 0, g))
                .isInstanceOf(InvalidImageException.class).hasMessageContaining("maxPixels");
    }
}
