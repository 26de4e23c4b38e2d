package io.github.streaminfer.samples.generated;

import io.github.streaminfer.synthetic.OnnxGraphBuilder;
import io.github.streaminfer.tensor.DType;

import java.util.List;

/**
 * A small image-to-image ONNX model written with {@link OnnxGraphBuilder}: one 3 × 3 convolution that mixes the
 * colours into a warm sepia tone and sharpens edges at once (weight {@code W[o][i][y][x] = M[o][i] · K[y][x]}, with
 * the sepia matrix {@code M} and the sharpening kernel {@code K} = 5 at the centre, -1 at the four neighbours, 0 at
 * the corners), zero padding, then a clip to [0, 1]. Input {@code image} and output {@code styled} are
 * {@code [1, 3, H, W]} float RGB in [0, 1].
 *
 * <p><b>Note:</b> immutable and thread-safe.
 */
public final class StylizeModel {
    /** The sepia colour matrix, output channel by input channel (R, G, B). */
    static final float[][] SEPIA = {
            {0.393f, 0.769f, 0.189f},
            {0.349f, 0.686f, 0.168f},
            {0.272f, 0.534f, 0.131f}};
    /** The sharpening kernel, row by row. */
    static final float[][] SHARPEN = {{0, -1, 0}, {-1, 5, -1}, {0, -1, 0}};

    private final int width;
    private final int height;

    /**
     * Describes a model for one frame size.
     *
     * @param width  frame width
     * @param height frame height
     */
    public StylizeModel(int width, int height) {
        if (width < 3 || height < 3) {
            throw new IllegalArgumentException("size is " + width + " x " + height + "; allowed: at least 3 x 3");
        }
        this.width = width;
        this.height = height;
    }

    /** {@return the frame width} */
    public int width() {
        return width;
    }

    /** {@return the frame height} */
    public int height() {
        return height;
    }

    /** {@return the serialised ONNX model} */
    public byte[] bytes() {
        float[] w = new float[3 * 3 * 3 * 3];
        int k = 0;
        for (int o = 0; o < 3; o++) {
            for (int i = 0; i < 3; i++) {
                for (int y = 0; y < 3; y++) {
                    for (int x = 0; x < 3; x++) {
                        w[k++] = SEPIA[o][i] * SHARPEN[y][x];
                    }
                }
            }
        }
        return new OnnxGraphBuilder("stylize")
                .input("image", DType.FLOAT32, 1, 3, height, width)
                .initializer("W", w, 3, 3, 3, 3)
                .initializer("lo", new float[] {0f})
                .initializer("hi", new float[] {1f})
                .node("Conv", List.of("image", "W"), List.of("conv"),
                        OnnxGraphBuilder.Attribute.ints("kernel_shape", 3, 3),
                        OnnxGraphBuilder.Attribute.ints("pads", 1, 1, 1, 1))
                .node("Clip", List.of("conv", "lo", "hi"), List.of("styled"))
                .output("styled", DType.FLOAT32, 1, 3, height, width)
                .toBytes();
    }

    /**
     * Computes one output value in plain Java, as the model does.
     *
     * @param image NCHW input, {@code 3 * H * W} values
     * @param c     output channel
     * @param y     row
     * @param x     column
     * @return the output value
     */
    public float reference(float[] image, int c, int y, int x) {
        double sum = 0;
        for (int i = 0; i < 3; i++) {
            for (int dy = -1; dy <= 1; dy++) {
                for (int dx = -1; dx <= 1; dx++) {
                    int yy = y + dy;
                    int xx = x + dx;
                    if (yy >= 0 && yy < height && xx >= 0 && xx < width) {
                        sum += SEPIA[c][i] * SHARPEN[dy + 1][dx + 1] * image[(i * height + yy) * width + xx];
                    }
                }
            }
        }
        return (float) Math.max(0, Math.min(1, sum));
    }
}
