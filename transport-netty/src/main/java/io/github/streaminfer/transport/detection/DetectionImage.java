package io.github.streaminfer.transport.detection;

import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * One image of the detection protocols (WebSocket, REST upload, or binary JPEG frame), base64-decoded and
 * header-checked (JPEG or PNG, within the server's pixel limit).
 *
 * <p><b>Note:</b> immutable by contract; the buffer is not copied, do not modify it.
 *
 * @since 0.1.0
 */
public final class DetectionImage {
    private final ByteBuffer image;
    private final String format;
    private final int width;
    private final int height;

    /**
     * @param image  encoded bytes (position to limit)
     * @param format {@code jpeg} or {@code png}
     * @param width  width from the header
     * @param height height from the header
     */
    public DetectionImage(ByteBuffer image, String format, int width, int height) {
        this.image = Objects.requireNonNull(image, "image");
        this.format = Objects.requireNonNull(format, "format");
        this.width = width;
        this.height = height;
    }

    /** @return the encoded image, a read-only view */
    public ByteBuffer image() {
        return image.asReadOnlyBuffer();
    }

    /** @return {@code jpeg} or {@code png} */
    public String format() {
        return format;
    }

    /** @return width in pixels */
    public int width() {
        return width;
    }

    /** @return height in pixels */
    public int height() {
        return height;
    }
}
