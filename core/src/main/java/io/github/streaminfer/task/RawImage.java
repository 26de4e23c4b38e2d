package io.github.streaminfer.task;

import java.util.Objects;

/**
 * An already decoded image: width, height and interleaved 8-bit pixels (3 bytes per pixel, rows top to bottom,
 * no row padding) in RGB or BGR order. Image tasks resize and normalise it into their input tensor themselves.
 *
 * <p>The pixel array is not copied; do not change it while a frame holding it is queued.
 *
 * @param width  width in pixels, {@code >= 1}
 * @param height height in pixels, {@code >= 1}
 * @param format channel order of {@code pixels}
 * @param pixels {@code width * height * 3} bytes or more
 */
public record RawImage(int width, int height, PixelFormat format, byte[] pixels) {

    /** Channel order of interleaved pixels. */
    public enum PixelFormat {
        /** Red, green, blue (Java2D {@code TYPE_3BYTE_BGR} is the other one). */
        RGB,
        /** Blue, green, red (OpenCV's order). */
        BGR
    }

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
        if ((long) width * height * 3 > pixels.length) {
            throw new IllegalArgumentException("image " + width + "x" + height + " needs " + (long) width * height * 3
                    + " bytes of interleaved pixels, got " + pixels.length);
        }
    }

    /**
     * @param x column
     * @param y row
     * @param c channel in this image's own order (0, 1, 2)
     * @return the value 0..255
     */
    public int value(int x, int y, int c) {
        return pixels[(y * width + x) * 3 + c] & 0xFF;
    }
}
