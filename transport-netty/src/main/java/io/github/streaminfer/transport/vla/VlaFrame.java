package io.github.streaminfer.transport.vla;

import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * One observation of the VLA protocol, as the transport hands it to a session: the encoded camera image (already
 * base64-decoded and header-checked: JPEG or PNG, within the server's pixel limit), the instruction, and the robot
 * state. The state vector is {@code pose} followed by {@code velocity} (either may be empty), every value finite.
 *
 * <p>A mutable holder, so that a producer can reuse a few frames instead of allocating one per message: the VLA
 * endpoint keeps a small pool per connection and refills a frame only once the session is done with it, that is
 * once the result of that frame or of a later one has been published, or the frame was dropped. A task may read a
 * frame in {@code preprocess}, and a reference it keeps stays valid until then; a task that keeps frames longer (a
 * window of past images, say) must copy what it keeps.
 *
 * <p><b>Note:</b> not thread-safe; do not {@link #set} a frame while a session holds it. The arrays and the buffer are
 * not copied: do not modify them. Read {@link #image()} with absolute gets or a {@code duplicate()}.
 *
 * @since 0.1.0
 */
public final class VlaFrame {
    private static final float[] NONE = new float[0];
    private ByteBuffer image = ByteBuffer.allocate(0);
    private String imageFormat = "jpeg";
    private int imageWidth;
    private int imageHeight;
    private String instruction = "";
    private float[] pose = NONE;
    private float[] velocity = NONE;
    private float[] state = NONE;

    /** Creates an empty frame (no image bytes, no instruction, no state); {@link #set} it before submitting it. */
    public VlaFrame() {
    }

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
        set(image, imageFormat, imageWidth, imageHeight, instruction, pose, velocity);
    }

    /**
     * Replaces the content. The state vector is kept in an array of this frame's, reused while its length stays the
     * same.
     *
     * @param image       encoded image bytes (position to limit)
     * @param imageFormat {@code jpeg} or {@code png}
     * @param imageWidth  width from the image header
     * @param imageHeight height from the image header
     * @param instruction the language instruction (may be empty)
     * @param pose        robot pose (may be empty)
     * @param velocity    robot velocity (may be empty)
     * @return this
     */
    public VlaFrame set(ByteBuffer image, String imageFormat, int imageWidth, int imageHeight, String instruction,
                        float[] pose, float[] velocity) {
        this.image = Objects.requireNonNull(image, "image");
        this.imageFormat = Objects.requireNonNull(imageFormat, "imageFormat");
        this.imageWidth = imageWidth;
        this.imageHeight = imageHeight;
        this.instruction = Objects.requireNonNull(instruction, "instruction");
        this.pose = Objects.requireNonNull(pose, "pose");
        this.velocity = Objects.requireNonNull(velocity, "velocity");
        int n = pose.length + velocity.length;
        float[] s = state.length == n ? state : new float[n];
        System.arraycopy(pose, 0, s, 0, pose.length);
        System.arraycopy(velocity, 0, s, pose.length, velocity.length);
        this.state = s;
        return this;
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
