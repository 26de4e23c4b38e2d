package io.github.streaminfer.image;

/**
 * Layout of raw (already decoded) 8-bit pixels, interleaved row by row.
 *
 * @since 0.1.0
 */
public enum PixelFormat {
    /** Blue, green, red: OpenCV's native order and what cameras read through OpenCV deliver. */
    BGR(3),
    /** Red, green, blue. */
    RGB(3),
    /** One grey value per pixel; written to all three tensor channels. */
    GRAY(1);

    private final int channels;

    PixelFormat(int channels) {
        this.channels = channels;
    }

    /** {@return bytes per pixel} */
    public int channels() {
        return channels;
    }
}
