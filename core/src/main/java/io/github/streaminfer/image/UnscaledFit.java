package io.github.streaminfer.image;

import io.github.streaminfer.exceptions.InvalidImageException;
import io.github.streaminfer.tensor.DType;
import io.github.streaminfer.tensor.Tensor;

import java.nio.ByteBuffer;
import java.nio.FloatBuffer;

/**
 * Writes raw 8-bit pixels that already have the target's size straight into a tensor: one pass that reorders the
 * channels, changes HWC to CHW where the spec asks for it and normalises, with no resize, no padding and no
 * intermediate buffer. The values are exactly those {@link JavaImageDecoder#fitInto} writes for the same pixels
 * (a bilinear resize to the same size samples each pixel at its own centre), so a decoder may take this path
 * whenever {@link #applies} says so.
 *
 * <p><b>Note:</b> stateless and thread-safe; the caller owns the tensor.
 *
 * @since 0.1.0
 */
public final class UnscaledFit {
    private UnscaledFit() {
    }

    /**
     * {@return true if a {@code width × height} image already has the size {@code spec} resizes to}, which holds for
     * both resize modes: stretching and letterboxing an image of the target size leave it as it is.
     *
     * @param spec   the target
     * @param width  source width
     * @param height source height
     */
    public static boolean applies(ImageSpec spec, int width, int height) {
        return width == spec.width() && height == spec.height();
    }

    /**
     * Writes one image of the target size into {@code tensor} at {@code elementOffset}, normalised as
     * {@link ImageFit} defines.
     *
     * @param pixels        interleaved pixels starting at {@code offset}
     * @param offset        index of the first pixel's first byte
     * @param width         width, equal to {@code spec.width()}
     * @param height        height, equal to {@code spec.height()}
     * @param rowStride     bytes from one row to the next, at least {@code width * format.channels()}
     * @param format        pixel layout
     * @param spec          target layout, dtype, channel order and normalisation
     * @param tensor        destination, FLOAT32 or UINT8 as the spec says
     * @param elementOffset first element to write
     * @param geometry      receives where the image landed (the whole target, scale 1)
     * @return {@code geometry}
     * @throws IllegalArgumentException if the size is not the target's, the array is too short or the tensor does
     *                                  not fit
     * @throws InvalidImageException    if the size exceeds {@link ImageSpec#maxPixels()}
     */
    public static ImageGeometry write(byte[] pixels, int offset, int width, int height, int rowStride,
                                      PixelFormat format, ImageSpec spec, Tensor tensor, long elementOffset,
                                      ImageGeometry geometry) {
        if (!applies(spec, width, height)) {
            throw new IllegalArgumentException("image " + width + "x" + height + " is not the target size "
                    + spec.width() + "x" + spec.height() + "; allowed: the target size only (resize it first)");
        }
        if (offset < 0 || offset > pixels.length) {
            throw new IllegalArgumentException("offset " + offset + " is outside the pixel array of "
                    + pixels.length + " bytes");
        }
        ImageFit.checkPixels(pixels.length - offset, width, height, rowStride, format, spec);
        ImageFit.checkTarget(spec, tensor, elementOffset);
        geometry.fit(spec, width, height);
        int ps = format.channels();
        // source byte index of the tensor's channels 0, 1, 2 within one pixel
        boolean wantRgb = spec.channelOrder() == ImageSpec.ChannelOrder.RGB;
        int c0;
        int c2;
        if (format == PixelFormat.GRAY) {
            c0 = 0;
            c2 = 0;
        } else {
            boolean srcRgb = format == PixelFormat.RGB;
            c0 = srcRgb == wantRgb ? 0 : 2;
            c2 = 2 - c0;
        }
        int c1 = ps == 1 ? 0 : 1;
        boolean nchw = spec.layout() == ImageSpec.Layout.NCHW;
        int plane = width * height;
        int off = Math.toIntExact(elementOffset);
        if (spec.dtype() == DType.FLOAT32) {
            writeFloats(pixels, offset, width, height, rowStride, ps, c0, c1, c2, nchw, plane, off, spec,
                    tensor.floats());
        } else {
            writeBytes(pixels, offset, width, height, rowStride, ps, c0, c1, c2, nchw, plane, off, tensor.buffer());
        }
        return geometry;
    }

    private static void writeFloats(byte[] src, int base, int w, int h, int stride, int ps, int c0, int c1, int c2,
                                    boolean nchw, int plane, int off, ImageSpec spec, FloatBuffer dst) {
        float a0 = ImageFit.alpha(spec, 0);
        float a1 = ImageFit.alpha(spec, 1);
        float a2 = ImageFit.alpha(spec, 2);
        float b0 = ImageFit.beta(spec, 0);
        float b1 = ImageFit.beta(spec, 1);
        float b2 = ImageFit.beta(spec, 2);
        for (int y = 0; y < h; y++) {
            int s = base + y * stride;
            int t = y * w;
            if (nchw) {
                int p0 = off + t;
                int p1 = p0 + plane;
                int p2 = p1 + plane;
                for (int x = 0; x < w; x++, s += ps) {
                    float v0 = src[s + c0] & 0xFF;
                    float v1 = src[s + c1] & 0xFF;
                    float v2 = src[s + c2] & 0xFF;
                    dst.put(p0 + x, v0 * a0 + b0);
                    dst.put(p1 + x, v1 * a1 + b1);
                    dst.put(p2 + x, v2 * a2 + b2);
                }
            } else {
                int p = off + t * 3;
                for (int x = 0; x < w; x++, s += ps, p += 3) {
                    float v0 = src[s + c0] & 0xFF;
                    float v1 = src[s + c1] & 0xFF;
                    float v2 = src[s + c2] & 0xFF;
                    dst.put(p, v0 * a0 + b0);
                    dst.put(p + 1, v1 * a1 + b1);
                    dst.put(p + 2, v2 * a2 + b2);
                }
            }
        }
    }

    private static void writeBytes(byte[] src, int base, int w, int h, int stride, int ps, int c0, int c1, int c2,
                                   boolean nchw, int plane, int off, ByteBuffer dst) {
        for (int y = 0; y < h; y++) {
            int s = base + y * stride;
            int t = y * w;
            if (nchw) {
                int p0 = off + t;
                for (int x = 0; x < w; x++, s += ps) {
                    dst.put(p0 + x, src[s + c0]);
                    dst.put(p0 + plane + x, src[s + c1]);
                    dst.put(p0 + 2 * plane + x, src[s + c2]);
                }
            } else {
                int p = off + t * 3;
                for (int x = 0; x < w; x++, s += ps, p += 3) {
                    dst.put(p, src[s + c0]);
                    dst.put(p + 1, src[s + c1]);
                    dst.put(p + 2, src[s + c2]);
                }
            }
        }
    }
}
