package io.github.streaminfer.client;

import java.util.Objects;

/**
 * One observation for a remote policy: an encoded camera image, the robot's state and an optional instruction.
 *
 * <p>{@code captureNanos} is when the image was taken, on the clock of the {@link io.github.streaminfer.action
 * .ActionController} the policy feeds ({@link System#nanoTime()} for the default clock): the controller's watchdog
 * measures each action's age from it, so the age covers the network both ways and the server.
 *
 * @param image        the encoded image, JPEG or PNG; the array is sent as it is at {@code submit} time
 * @param format       {@code "jpeg"} or {@code "png"}
 * @param pose         pose values, or an empty array
 * @param velocity     velocity values, or an empty array
 * @param instruction  the language instruction, or null
 * @param captureNanos capture time on the controller's clock
 * @since 0.1.0
 */
public record Observation(byte[] image, String format, double[] pose, double[] velocity, String instruction,
                          long captureNanos) {

    /** Checks the fields. */
    public Observation {
        Objects.requireNonNull(image, "image");
        Objects.requireNonNull(pose, "pose");
        Objects.requireNonNull(velocity, "velocity");
        if (image.length == 0) {
            throw new IllegalArgumentException("image is empty; allowed: an encoded JPEG or PNG");
        }
        if (!"jpeg".equals(format) && !"png".equals(format)) {
            throw new IllegalArgumentException("format is " + format + "; allowed: jpeg, png");
        }
        for (double v : pose) {
            requireFinite(v, "pose");
        }
        for (double v : velocity) {
            requireFinite(v, "velocity");
        }
    }

    /**
     * {@return a JPEG observation without instruction}
     *
     * @param jpeg         the encoded image
     * @param pose         pose values
     * @param velocity     velocity values
     * @param captureNanos capture time on the controller's clock
     */
    public static Observation jpeg(byte[] jpeg, double[] pose, double[] velocity, long captureNanos) {
        return new Observation(jpeg, "jpeg", pose, velocity, null, captureNanos);
    }

    /**
     * {@return this observation with an instruction}
     *
     * @param text the instruction
     */
    public Observation withInstruction(String text) {
        return new Observation(image, format, pose, velocity, text, captureNanos);
    }

    private static void requireFinite(double v, String field) {
        if (!Double.isFinite(v)) {
            throw new IllegalArgumentException(field + " holds " + v + "; allowed: finite numbers");
        }
    }
}
