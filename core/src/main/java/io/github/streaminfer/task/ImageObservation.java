package io.github.streaminfer.task;

import io.github.streaminfer.image.ImageFrame;

import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * One image as an image task receives it, in one of three forms:
 * <ul>
 *   <li>encoded bytes (JPEG, PNG), decoded through an {@link io.github.streaminfer.image.ImageDecoder};</li>
 *   <li>an already decoded {@link RawImage} (a plain array), fitted by the task itself;</li>
 *   <li>a pooled {@link ImageFrame} from a frame source (camera, video, image folder), read with
 *       {@link ImageFrame#writeInto} under its acquire/release protocol.</li>
 * </ul>
 * A mutable holder, so a producer can reuse one per slot; the static factories are for one-off use.
 *
 * <p><b>Note:</b> not thread-safe; do not change an observation while a session holds it.
 */
public final class ImageObservation {
    private ByteBuffer encoded;
    private RawImage raw;
    private ImageFrame frame;

    /** Creates an empty observation; set its content before submitting it. */
    public ImageObservation() {
    }

    /**
     * @param bytes encoded image from position to limit (not copied)
     * @return an observation holding them
     */
    public static ImageObservation encoded(ByteBuffer bytes) {
        return new ImageObservation().setEncoded(bytes);
    }

    /**
     * @param bytes encoded image (not copied)
     * @return an observation holding them
     */
    public static ImageObservation encoded(byte[] bytes) {
        return new ImageObservation().setEncoded(ByteBuffer.wrap(bytes));
    }

    /**
     * @param image a decoded image
     * @return an observation holding it
     */
    public static ImageObservation raw(RawImage image) {
        return new ImageObservation().setRaw(image);
    }

    /**
     * @param frame a published frame of a frame source
     * @return an observation holding it
     */
    public static ImageObservation frame(ImageFrame frame) {
        return new ImageObservation().setFrame(frame);
    }

    /**
     * @param bytes encoded image from position to limit (not copied)
     * @return this
     */
    public ImageObservation setEncoded(ByteBuffer bytes) {
        clear();
        this.encoded = Objects.requireNonNull(bytes, "bytes");
        return this;
    }

    /**
     * @param image a decoded image
     * @return this
     */
    public ImageObservation setRaw(RawImage image) {
        clear();
        this.raw = Objects.requireNonNull(image, "image");
        return this;
    }

    /**
     * @param frame a published frame of a frame source
     * @return this
     */
    public ImageObservation setFrame(ImageFrame frame) {
        clear();
        this.frame = Objects.requireNonNull(frame, "frame");
        return this;
    }

    private void clear() {
        encoded = null;
        raw = null;
        frame = null;
    }

    /** @return the encoded bytes, or null */
    public ByteBuffer encoded() {
        return encoded;
    }

    /** @return the decoded image, or null */
    public RawImage raw() {
        return raw;
    }

    /** @return the source frame, or null */
    public ImageFrame frame() {
        return frame;
    }

    /** @return true if the observation holds an image in one of its forms */
    public boolean isSet() {
        return encoded != null || raw != null || frame != null;
    }

    @Override
    public String toString() {
        return encoded != null ? "ImageObservation[encoded " + encoded.remaining() + " bytes]"
                : raw != null ? "ImageObservation[raw " + raw.width() + "x" + raw.height() + " " + raw.format() + "]"
                : frame != null ? "ImageObservation[" + frame + "]"
                : "ImageObservation[empty]";
    }
}
