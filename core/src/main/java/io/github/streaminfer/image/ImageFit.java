package io.github.streaminfer.image;

import io.github.streaminfer.exceptions.InvalidImageException;
import io.github.streaminfer.tensor.DType;
import io.github.streaminfer.tensor.Tensor;

import java.nio.ByteBuffer;

/**
 * The arithmetic every {@link ImageDecoder} shares, so that all of them put the same image in the same place with
 * the same values: argument checks, the size of the resized content inside the target, the per-channel affine
 * normalisation and the pad value.
 *
 * <p>Normalisation: a channel value {@code v} in [0, 255] becomes {@code v * alpha(c) + beta(c)} with
 * {@code alpha = scale / std[c]} and {@code beta = -mean[c] / std[c]}, which is {@code (v * scale - mean) / std}.
 *
 * <p><b>Note:</b> stateless and thread-safe.
 *
 * @since 0.1.0
 */
public final class ImageFit {
    private ImageFit() {
    }

    /**
     * Checks that one image of {@code spec} fits in {@code tensor} at {@code elementOffset}.
     *
     * @param spec          the target
     * @param tensor        the destination
     * @param elementOffset first element
     * @throws IllegalArgumentException if the dtype differs or the image would not fit
     */
    public static void checkTarget(ImageSpec spec, Tensor tensor, long elementOffset) {
        if (tensor.dtype() != spec.dtype()) {
            throw new IllegalArgumentException("tensor '" + tensor.name() + "' holds " + tensor.dtype()
                    + " but the image spec writes " + spec.dtype());
        }
        if (elementOffset < 0 || elementOffset + spec.elementsPerImage() > tensor.elementCount()) {
            throw new IllegalArgumentException("tensor '" + tensor.name() + "' has " + tensor.elementCount()
                    + " elements; an image of " + spec.elementsPerImage() + " elements does not fit at offset "
                    + elementOffset);
        }
    }

    /**
     * Checks a raw pixel buffer against its declared size and the pixel limit.
     *
     * @param pixels    bytes from position
     * @param width     width
     * @param height    height
     * @param rowStride bytes per row
     * @param format    layout
     * @param spec      limits
     */
    public static void checkPixels(ByteBuffer pixels, int width, int height, int rowStride, PixelFormat format,
                                   ImageSpec spec) {
        checkPixels(pixels.remaining(), width, height, rowStride, format, spec);
    }

    /**
     * Checks raw pixels of a declared size against the bytes available and the pixel limit.
     *
     * @param available bytes available from the first pixel on
     * @param width     width
     * @param height    height
     * @param rowStride bytes per row
     * @param format    layout
     * @param spec      limits
     * @throws InvalidImageException    if the size exceeds {@link ImageSpec#maxPixels()}
     * @throws IllegalArgumentException if the size is invalid or more bytes are needed than available
     */
    public static void checkPixels(long available, int width, int height, int rowStride, PixelFormat format,
                                   ImageSpec spec) {
        if (width < 1 || height < 1) {
            throw new IllegalArgumentException("raw image size " + width + "x" + height + "; allowed: >= 1x1");
        }
        if ((long) width * height > spec.maxPixels()) {
            throw new InvalidImageException("raw image of " + width + "x" + height + " pixels; allowed: at most "
                    + spec.maxPixels() + " (ImageSpec.maxPixels)");
        }
        long rowBytes = (long) width * format.channels();
        if (rowStride < rowBytes) {
            throw new IllegalArgumentException("rowStride " + rowStride + " is less than width * channels = "
                    + rowBytes);
        }
        long need = (long) (height - 1) * rowStride + rowBytes;
        if (available < need) {
            throw new IllegalArgumentException("raw " + format + " image " + width + "x" + height + " with stride "
                    + rowStride + " needs " + need + " bytes, the buffer has " + available);
        }
    }

    /**
     * {@return width of the resized content: the target width when stretching}
     *
     * @param spec     the target
     * @param geometry a geometry already {@linkplain ImageGeometry#fit fitted}
     */
    public static int contentWidth(ImageSpec spec, ImageGeometry geometry) {
        return spec.resize() == ImageSpec.ResizeMode.STRETCH ? spec.width()
                : Math.min(spec.width(), geometry.contentWidth());
    }

    /**
     * {@return height of the resized content: the target height when stretching}
     *
     * @param spec     the target
     * @param geometry a geometry already {@linkplain ImageGeometry#fit fitted}
     */
    public static int contentHeight(ImageSpec spec, ImageGeometry geometry) {
        return spec.resize() == ImageSpec.ResizeMode.STRETCH ? spec.height()
                : Math.min(spec.height(), geometry.contentHeight());
    }

    /**
     * {@return the multiplier applied to a 0..255 value of that channel (1 for UINT8)}
     *
     * @param spec the target
     * @param c    tensor channel
     */
    public static float alpha(ImageSpec spec, int c) {
        return spec.dtype() == DType.UINT8 ? 1f : spec.scale() / spec.stdOf(c);
    }

    /**
     * {@return the offset added after {@link #alpha} (0 for UINT8)}
     *
     * @param spec the target
     * @param c    tensor channel
     */
    public static float beta(ImageSpec spec, int c) {
        return spec.dtype() == DType.UINT8 ? 0f : -spec.meanOf(c) / spec.stdOf(c);
    }

    /**
     * {@return the 0..255 pad value of that tensor channel, from {@link ImageSpec#padColor()} (0xRRGGBB)}
     *
     * @param spec the target
     * @param c    tensor channel
     */
    public static int padByte(ImageSpec spec, int c) {
        int rgbIndex = spec.channelOrder() == ImageSpec.ChannelOrder.RGB ? c : 2 - c;
        return (spec.padColor() >> (16 - 8 * rgbIndex)) & 0xFF;
    }

    /**
     * {@return the value written for padding in that tensor channel, normalised like a pixel}
     *
     * @param spec the target
     * @param c    tensor channel
     */
    public static float padValue(ImageSpec spec, int c) {
        return padByte(spec, c) * alpha(spec, c) + beta(spec, c);
    }
}
