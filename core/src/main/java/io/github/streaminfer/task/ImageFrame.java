package io.github.streaminfer.task;

import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * One image as an image task receives it: either encoded bytes (JPEG, PNG), decoded through an
 * {@link io.github.streaminfer.image.ImageDecoder}, or an already decoded {@link RawImage} that the task fits
 * itself. A mutable holder, so a producer can reuse one per slot; the static factories are for one-off use.
 *
 * <p><b>Note:</b> not thread-safe; do not change a frame while a session holds it.
 *
 * @since 0.1.0
 */
public final class ImageFrame {
    private ByteBuffer encoded;
    private RawImage raw;

    /** Creates an empty frame; set its content before submitting it. */
    public ImageFrame() {
    }

    /**
     * {@return a frame holding them}
     *
     * @param bytes encoded image from position to limit (not copied)
     */
    public static ImageFrame encoded(ByteBuffer bytes) {
        return new ImageFrame().setEncoded(bytes);
    }

    /**
     * {@return a frame holding them}
     *
     * @param bytes encoded image (not copied)
     */
    public static ImageFrame encoded(byte[] bytes) {
        return new ImageFrame().setEncoded(ByteBuffer.wrap(bytes));
    }

    /**
     * {@return a frame holding it}
     *
     * @param image a decoded image
     */
    public static ImageFrame raw(RawImage image) {
        return new ImageFrame().setRaw(image);
    }

    /**
     * Points this frame at encoded image bytes.
     *
     * @param bytes encoded image from position to limit (not copied)
     * @return this
     */
    public ImageFrame setEncoded(ByteBuffer bytes) {
        this.encoded = Objects.requireNonNull(bytes, "bytes");
        this.raw = null;
        return this;
    }

    /**
     * Points this frame at a decoded image.
     *
     * @param image a decoded image
     * @return this
     */
    public ImageFrame setRaw(RawImage image) {
        this.raw = Objects.requireNonNull(image, "image");
        this.encoded = null;
        return this;
    }

    /** {@return the encoded bytes, or null if this frame holds a decoded image} */
    public ByteBuffer encoded() {
        return encoded;
    }

    /** {@return the decoded image, or null if this frame holds encoded bytes} */
    public RawImage raw() {
        return raw;
    }

    /** {@return true if the frame holds encoded bytes or a decoded image} */
    public boolean isSet() {
        return encoded != null || raw != null;
    }

    @Override
    public String toString() {
        return encoded != null ? "ImageFrame[encoded " + encoded.remaining() + " bytes]"
                : raw != null ? "ImageFrame[raw " + raw.width() + "x" + raw.height() + " " + raw.format() + "]"
                : "ImageFrame[empty]";
    }
}
