package io.github.streaminfer.transport;

import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * One observation of the VLA protocol, as the transport hands it to a session: the encoded camera image (already
 * base64-decoded and header-checked: JPEG or PNG, within the server's pixel limit), the instruction, and the robot
 * state. The state vector is {@code pose} followed by {@code velocity} (either may be empty), every value finite.
 *
 * <p><b>Note:</b> immutable by contract: the arrays and the buffer are not copied; do not modify them. Read
 * {@link #image()} with absolute gets or a {@code duplicate()}.
 */
public final class VlaFrame {
    private final ByteBuffer image;
    private final String imageFormat;
    private final int imageWidth;
    private final int imageHeight;
    private final String instruction;
    private final float[] pose;
    private final float[] velocity;
    private final float[] state;

    /**
     * @param image       encoded image bytes (position to limit)
     * @param imageFormat {@code jpeg} or {@code png}
     * @param imageWidth  width from the image header
     * @param imageHeight height from the image header
     * @param instruction the language instruction (may be empty)
     * @param pose        robot pose (may be empty)
     * @param velocity    robot velocity (may be empty)
     */
    public VlaFrame(ByteBuffer image, String imageFormat, int imageWidth, int imageHeight, String instruction,
                    float[] pose, float[] velocity) {
        this.image = Objects.requireNonNull(image, "image");
        this.imageFormat = Objects.requireNonNull(imageFormat, "imageFormat");
        this.imageWidth = imageWidth;
        this.imageHeight = imageHeight;
        this.instruction = Objects.requireNonNull(instruction, "instruction");
        this.pose = Objects.requireNonNull(pose, "pose");
        this.velocity = Objects.requireNonNull(velocity, "velocity");
        float[] s = new float[pose.length + velocity.length];
        System.arraycopy(pose, 0, s, 0, pose.length);
        System.arraycopy(velocity, 0, s, pose.length, velocity.length);
        this.state = s;
    }

    /** @return the encoded image, a read-only view from its start */
    public ByteBuffer image() {
        return image.asReadOnlyBuffer();
    }

    /** @return {@code jpeg} or {@code png} */
    public String imageFormat() {
        return imageFormat;
    }

    /** @return image width in pixels, from its header */
    public int imageWidth() {
        return imageWidth;
    }

    /** @return image height in pixels, from its header */
    public int imageHeight() {
        return imageHeight;
    }

    /** @return the instruction, possibly empty */
    public String instruction() {
        return instruction;
    }

    /** @return the pose values (do not modify) */
    public float[] pose() {
        return pose;
    }

    /** @return the velocity values (do not modify) */
    public float[] velocity() {
        return velocity;
    }

    /** @return pose followed by velocity (do not modify) */
    public float[] state() {
        return state;
    }
}
