package io.github.streaminfer.task;

import java.util.Arrays;

/**
 * What a robot policy sees in one step: one image per camera, the robot state (pose, then velocity; either may be
 * absent) and a language instruction. A reusable holder: a control loop can fill the same object every tick.
 *
 * <p><b>Note:</b> not thread-safe; do not change it while a session holds it.
 *
 * @since 0.1.0
 */
public final class PolicyObservation {
    private ImageFrame[] images;
    private float[] pose;
    private float[] velocity;
    private String instruction;

    /** Creates an empty observation. */
    public PolicyObservation() {
        this.images = new ImageFrame[0];
    }

    /**
     * Sets {@code images}.
     *
     * @param images one frame per camera, in the order the task's image inputs are configured
     * @return this
     */
    public PolicyObservation images(ImageFrame... images) {
        this.images = images.clone();
        return this;
    }

    /**
     * Sets {@code pose}.
     *
     * @param pose joint positions or end-effector pose, or null
     * @return this
     */
    public PolicyObservation pose(float[] pose) {
        this.pose = pose;
        return this;
    }

    /**
     * Sets {@code velocity}.
     *
     * @param velocity joint or end-effector velocities, or null
     * @return this
     */
    public PolicyObservation velocity(float[] velocity) {
        this.velocity = velocity;
        return this;
    }

    /**
     * Sets {@code instruction}.
     *
     * @param instruction what to do, e.g. "pick up the red cube", or null
     * @return this
     */
    public PolicyObservation instruction(String instruction) {
        this.instruction = instruction;
        return this;
    }

    /** {@return the camera frames} */
    public ImageFrame[] images() {
        return images;
    }

    /**
     * {@return that camera's frame, or null if absent}
     *
     * @param camera camera index
     */
    public ImageFrame image(int camera) {
        return camera < images.length ? images[camera] : null;
    }

    /** {@return the pose, or null} */
    public float[] pose() {
        return pose;
    }

    /** {@return the velocity, or null} */
    public float[] velocity() {
        return velocity;
    }

    /** {@return the instruction, or null} */
    public String instruction() {
        return instruction;
    }

    @Override
    public String toString() {
        return "PolicyObservation[images=" + images.length + ", pose=" + Arrays.toString(pose) + ", velocity="
                + Arrays.toString(velocity) + ", instruction=" + instruction + "]";
    }
}
