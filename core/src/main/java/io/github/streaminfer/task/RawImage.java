package io.github.streaminfer.task;

import io.github.streaminfer.image.PixelFormat;

import java.util.Objects;

/**
 * An already decoded image in a plain array: width, height and interleaved 8-bit pixels (rows top to bottom, no
 * row padding) in RGB, BGR or grey. Image tasks resize and normalise it into their input tensor themselves.
 *
 * <p>The pixel array is not copied; do not change it while a frame holding it is queued.
 *
 * @param width  width in pixels, {@code >= 1}
 * @param height height in pixels, {@code >= 1}
 * @param format pixel layout of {@code pixels}
 * @param pixels {@code width * height * format.channels()} bytes or more
 * @since 0.1.0
 */
public record RawImage(int width, int height, PixelFormat format, byte[] pixels) {

    /**
     * Validates.
     *
     * @param width  see the class description
     * @param height see the class description
     * @param format see the class description
     * @param pixels see the class description
     */
    public RawImage {
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(pixels, "pixels");
        if (width < 1 || height < 1) {
            throw new IllegalArgumentException("image size " + width + "x" + height + " is invalid; allowed: >= 1x1");
        }
        long need = (long) width * height * format.channels();
        if (need > pixels.length) {
            throw new IllegalArgumentException("image " + width + "x" + height + " " + format + " needs " + need
                    + " bytes of interleaved pixels, got " + pixels.length);
        }
    }

    /**
     * {@return the value 0..255}
     *
     * @param x column
     * @param y row
     * @param c channel in this image's own order (0 for grey)
     */
    public int value(int x, int y, int c) {
        return pixels[(y * width + x) * format.channels() + c] & 0xFF;
    }
}
