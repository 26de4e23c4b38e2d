package io.github.streaminfer.transport;

import java.util.Arrays;

/**
 * The action fields an {@link ActionEncoder} fills for one result: the action (one step of {@code dim} values, or a
 * chunk of {@code horizon} steps), its safety score and whether it was smoothed. The transport writes them as the
 * VLA seed's {@code action}, {@code safety_score} and {@code smoothed} fields, or as openpi's {@code actions} array.
 *
 * <p><b>Note:</b> owned by one connection and filled on that session's worker; reused for every result.
 *
 * @since 0.1.0
 */
public final class ActionOut {
    private float[] values = new float[16];
    private int horizon;
    private int dim;
    private double safetyScore = 1.0;
    private boolean smoothed;
    private boolean executable = true;
    private int interventions;

    /** Creates an empty holder. */
    public ActionOut() {
    }

    /**
     * Sets a single action step.
     *
     * @param src    source array
     * @param offset first value
     * @param dim    number of values
     * @return this
     */
    public ActionOut action(float[] src, int offset, int dim) {
        return chunk(src, offset, 1, dim);
    }

    /**
     * Sets an action chunk of {@code horizon} steps of {@code dim} values each, row-major.
     *
     * @param src     source array
     * @param offset  first value
     * @param horizon steps
     * @param dim     values per step
     * @return this
     */
    public ActionOut chunk(float[] src, int offset, int horizon, int dim) {
        if (horizon < 1 || dim < 1) {
            throw new IllegalArgumentException("horizon " + horizon + " and dim " + dim + "; allowed: both >= 1");
        }
        int n = horizon * dim;
        if (values.length < n) {
            values = Arrays.copyOf(values, n);
        }
        System.arraycopy(src, offset, values, 0, n);
        this.horizon = horizon;
        this.dim = dim;
        return this;
    }

    /**
     * @param score safety score in [0, 1] (1 = no safety intervention)
     * @return this
     */
    public ActionOut safetyScore(double score) {
        this.safetyScore = score;
        return this;
    }

    /**
     * @param smoothed whether smoothing was applied
     * @return this
     */
    public ActionOut smoothed(boolean smoothed) {
        this.smoothed = smoothed;
        return this;
    }

    /**
     * @param executable false when the safety chain says the robot must not execute this command (stale action,
     *                   emergency stop, holding); the values are then the hold/decelerate command
     * @return this
     */
    public ActionOut executable(boolean executable) {
        this.executable = executable;
        return this;
    }

    /**
     * @param interventions safety interventions applied to this command
     * @return this
     */
    public ActionOut interventions(int interventions) {
        this.interventions = interventions;
        return this;
    }

    /** @return whether the command may be executed */
    public boolean executable() {
        return executable;
    }

    /** @return safety interventions applied */
    public int interventions() {
        return interventions;
    }

    /** @return the values array; {@code horizon() * dim()} are valid */
    public float[] values() {
        return values;
    }

    /** @return steps in the action (1 for a single action) */
    public int horizon() {
        return horizon;
    }

    /** @return values per step */
    public int dim() {
        return dim;
    }

    /** @return the safety score */
    public double safetyScore() {
        return safetyScore;
    }

    /** @return whether the action was smoothed */
    public boolean smoothed() {
        return smoothed;
    }

    /** Clears before the encoder runs: no action, safety 1, not smoothed. */
    public void clear() {
        horizon = 0;
        dim = 0;
        safetyScore = 1.0;
        smoothed = false;
        executable = true;
        interventions = 0;
    }
}
