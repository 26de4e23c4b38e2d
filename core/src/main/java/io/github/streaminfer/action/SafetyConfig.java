package io.github.streaminfer.action;

import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;

/**
 * The safety chain's limits. Immutable; start from {@link #DEFAULT} or {@link #frankaCartesian()} and adjust with
 * {@link #toBuilder()}. Per-axis arrays are either empty (stage off) or have one entry per axis (checked against
 * the dimension by {@link ActionConfig}); a cap of {@code +Infinity} leaves that axis uncapped.
 *
 * <p>The chain, in order (the non-finite guard is always on and cannot be configured away):
 * <ol>
 *   <li>non-finite / dimension guard: an action with a NaN or infinite value, or the wrong size, is rejected;</li>
 *   <li>{@code axisMin}/{@code axisMax} clamp each value; the workspace box clamps the target of
 *       {@code workspaceAxes} ({@code current pose + delta} for delta axes, the value itself for absolute ones);</li>
 *   <li>{@code maxVelocity}, {@code maxAcceleration}, {@code maxJerk} (units per second, per s², per s³) computed
 *       over the tick period; the move is scaled by one factor for all axes so its direction is kept;</li>
 *   <li>{@code maxStep}: largest change of a value per tick;</li>
 *   <li>staleness watchdog: an action whose observation is older than {@code staleAfter} is never executable;
 *       the controller decelerates to a hold within the caps;</li>
 *   <li>latched emergency stop, tripped by the API, by {@code estopAfterInvalid} consecutive rejected actions, or
 *       by a {@code safety_score} below {@code estopBelowScore}; only an explicit reset clears it.</li>
 * </ol>
 *
 * <p>Defaults ({@link #DEFAULT}): no bounds, no workspace, no caps (units are robot-specific; use a preset or set
 * them), {@code staleAfter} 100 ms, emergency stop after 3 consecutive invalid actions, score trip off (0).
 *
 * @param axisMin          per-axis lower bounds (empty = none)
 * @param axisMax          per-axis upper bounds (empty = none)
 * @param workspaceAxes    axes forming the workspace box, e.g. {@code {0, 1, 2}} for x, y, z (empty = none)
 * @param workspaceMin     lower corner of the box, one entry per workspace axis
 * @param workspaceMax     upper corner of the box, one entry per workspace axis
 * @param maxVelocity      per-axis velocity caps, {@code > 0} or {@code +Infinity} (empty = none)
 * @param maxAcceleration  per-axis acceleration caps (empty = none)
 * @param maxJerk          per-axis jerk caps (empty = none)
 * @param maxStep          per-axis largest change per tick (empty = none)
 * @param staleAfter       staleness deadline from the observation's capture time, {@code > 0}
 * @param estopAfterInvalid consecutive invalid actions that latch the emergency stop, 0 = off
 * @param estopBelowScore  latch the emergency stop when an executable tick's score is below this, in [0, 1],
 *                         0 = off
 * @since 0.1.0
 */
public record SafetyConfig(double[] axisMin, double[] axisMax, int[] workspaceAxes, double[] workspaceMin,
                           double[] workspaceMax, double[] maxVelocity, double[] maxAcceleration, double[] maxJerk,
                           double[] maxStep, Duration staleAfter, int estopAfterInvalid, double estopBelowScore) {

    /** No bounds or caps, 100 ms staleness, e-stop after 3 invalid actions in a row. */
    public static final SafetyConfig DEFAULT = builder().build();

    /**
     * Validates and copies the arrays.
     *
     * @param axisMin           see the class description
     * @param axisMax           see the class description
     * @param workspaceAxes     see the class description
     * @param workspaceMin      see the class description
     * @param workspaceMax      see the class description
     * @param maxVelocity       see the class description
     * @param maxAcceleration   see the class description
     * @param maxJerk           see the class description
     * @param maxStep           see the class description
     * @param staleAfter        see the class description
     * @param estopAfterInvalid see the class description
     * @param estopBelowScore   see the class description
     */
    public SafetyConfig {
        axisMin = finiteCopy("axisMin", axisMin);
        axisMax = finiteCopy("axisMax", axisMax);
        if (axisMin.length != axisMax.length) {
            throw new IllegalArgumentException("axisMin has " + axisMin.length + " entries and axisMax " + axisMax.length
                    + "; allowed: both empty or the same length");
        }
        for (int i = 0; i < axisMin.length; i++) {
            if (axisMin[i] > axisMax[i]) {
                throw new IllegalArgumentException("axisMin[" + i + "] = " + axisMin[i] + " exceeds axisMax[" + i + "] = "
                        + axisMax[i] + "; allowed: axisMin <= axisMax");
            }
        }
        Objects.requireNonNull(workspaceAxes, "workspaceAxes");
        workspaceAxes = workspaceAxes.clone();
        workspaceMin = finiteCopy("workspaceMin", workspaceMin);
        workspaceMax = finiteCopy("workspaceMax", workspaceMax);
        if (workspaceMin.length != workspaceAxes.length || workspaceMax.length != workspaceAxes.length) {
            throw new IllegalArgumentException("workspaceAxes has " + workspaceAxes.length + " entries, workspaceMin "
                    + workspaceMin.length + ", workspaceMax " + workspaceMax.length + "; allowed: the same length");
        }
        for (int i = 0; i < workspaceAxes.length; i++) {
            if (workspaceAxes[i] < 0) {
                throw new IllegalArgumentException("workspaceAxes[" + i + "] is " + workspaceAxes[i] + "; allowed: >= 0");
            }
            for (int j = 0; j < i; j++) {
                if (workspaceAxes[j] == workspaceAxes[i]) {
                    throw new IllegalArgumentException("workspaceAxes lists axis " + workspaceAxes[i]
                            + " twice; allowed: distinct axes");
                }
            }
            if (workspaceMin[i] > workspaceMax[i]) {
                throw new IllegalArgumentException("workspaceMin[" + i + "] = " + workspaceMin[i] + " exceeds workspaceMax["
                        + i + "] = " + workspaceMax[i] + "; allowed: min <= max");
            }
        }
        maxVelocity = capCopy("maxVelocity", maxVelocity);
        maxAcceleration = capCopy("maxAcceleration", maxAcceleration);
        maxJerk = capCopy("maxJerk", maxJerk);
        maxStep = capCopy("maxStep", maxStep);
        Objects.requireNonNull(staleAfter, "staleAfter");
        if (staleAfter.isNegative() || staleAfter.isZero()) {
            throw new IllegalArgumentException("staleAfter is " + staleAfter + "; allowed: > 0");
        }
        if (estopAfterInvalid < 0) {
            throw new IllegalArgumentException("estopAfterInvalid is " + estopAfterInvalid + "; allowed: 0 (off) or >= 1");
        }
        if (!(estopBelowScore >= 0 && estopBelowScore <= 1)) {
            throw new IllegalArgumentException("estopBelowScore is " + estopBelowScore + "; allowed: [0, 1], 0 = off");
        }
    }

    private static double[] finiteCopy(String name, double[] a) {
        Objects.requireNonNull(a, name);
        for (int i = 0; i < a.length; i++) {
            if (!Double.isFinite(a[i])) {
                throw new IllegalArgumentException(name + "[" + i + "] is " + a[i] + "; allowed: finite values");
            }
        }
        return a.clone();
    }

    private static double[] capCopy(String name, double[] a) {
        Objects.requireNonNull(a, name);
        for (int i = 0; i < a.length; i++) {
            if (!(a[i] > 0)) {
                throw new IllegalArgumentException(name + "[" + i + "] is " + a[i]
                        + "; allowed: > 0, or +Infinity for an uncapped axis");
            }
        }
        return a.clone();
    }

    /**
     * Franka-like Cartesian limits for a 7-axis end-effector action {@code [x, y, z, roll, pitch, yaw, gripper]}
     * (metres, radians; the gripper uncapped): translation 1.7 m/s, 13 m/s&sup2;, 6500 m/s&sup3;; rotation
     * 2.5 rad/s, 25 rad/s&sup2;, 12500 rad/s&sup3; (the published Panda Cartesian limits). No bounds or workspace:
     * add the ones of your cell.
     *
     * @return the preset
     */
    public static SafetyConfig frankaCartesian() {
        double inf = Double.POSITIVE_INFINITY;
        return builder()
                .maxVelocity(1.7, 1.7, 1.7, 2.5, 2.5, 2.5, inf)
                .maxAcceleration(13.0, 13.0, 13.0, 25.0, 25.0, 25.0, inf)
                .maxJerk(6500.0, 6500.0, 6500.0, 12500.0, 12500.0, 12500.0, inf)
                .build();
    }

    /** {@return true if per-axis bounds are set} */
    public boolean hasAxisBounds() {
        return axisMin.length > 0;
    }

    /** {@return true if a workspace box is set} */
    public boolean hasWorkspace() {
        return workspaceAxes.length > 0;
    }

    /** {@return a copy} */
    @Override
    public double[] axisMin() {
        return axisMin.clone();
    }

    /** {@return a copy} */
    @Override
    public double[] axisMax() {
        return axisMax.clone();
    }

    /** {@return a copy} */
    @Override
    public int[] workspaceAxes() {
        return workspaceAxes.clone();
    }

    /** {@return a copy} */
    @Override
    public double[] workspaceMin() {
        return workspaceMin.clone();
    }

    /** {@return a copy} */
    @Override
    public double[] workspaceMax() {
        return workspaceMax.clone();
    }

    /** {@return a copy} */
    @Override
    public double[] maxVelocity() {
        return maxVelocity.clone();
    }

    /** {@return a copy} */
    @Override
    public double[] maxAcceleration() {
        return maxAcceleration.clone();
    }

    /** {@return a copy} */
    @Override
    public double[] maxJerk() {
        return maxJerk.clone();
    }

    /** {@return a copy} */
    @Override
    public double[] maxStep() {
        return maxStep.clone();
    }

    void checkDim(int dim) {
        len("axisMin", axisMin.length, dim);
        len("maxVelocity", maxVelocity.length, dim);
        len("maxAcceleration", maxAcceleration.length, dim);
        len("maxJerk", maxJerk.length, dim);
        len("maxStep", maxStep.length, dim);
        for (int i = 0; i < workspaceAxes.length; i++) {
            if (workspaceAxes[i] >= dim) {
                throw new IllegalArgumentException("safety.workspaceAxes[" + i + "] is " + workspaceAxes[i]
                        + "; allowed: 0 to " + (dim - 1) + " (dim is " + dim + ")");
            }
        }
    }

    private static void len(String name, int n, int dim) {
        if (n != 0 && n != dim) {
            throw new IllegalArgumentException("safety." + name + " has " + n + " entries; allowed: 0 (off) or dim = " + dim);
        }
    }

    /** {@return a builder with the defaults} */
    public static Builder builder() {
        return new Builder();
    }

    /** {@return a builder starting from this configuration} */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.axisMin = axisMin;
        b.axisMax = axisMax;
        b.workspaceAxes = workspaceAxes;
        b.workspaceMin = workspaceMin;
        b.workspaceMax = workspaceMax;
        b.maxVelocity = maxVelocity;
        b.maxAcceleration = maxAcceleration;
        b.maxJerk = maxJerk;
        b.maxStep = maxStep;
        return b.staleAfter(staleAfter).estopAfterInvalid(estopAfterInvalid).estopBelowScore(estopBelowScore);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SafetyConfig s && Arrays.equals(s.axisMin, axisMin) && Arrays.equals(s.axisMax, axisMax)
                && Arrays.equals(s.workspaceAxes, workspaceAxes) && Arrays.equals(s.workspaceMin, workspaceMin)
                && Arrays.equals(s.workspaceMax, workspaceMax) && Arrays.equals(s.maxVelocity, maxVelocity)
                && Arrays.equals(s.maxAcceleration, maxAcceleration) && Arrays.equals(s.maxJerk, maxJerk)
                && Arrays.equals(s.maxStep, maxStep) && s.staleAfter.equals(staleAfter)
                && s.estopAfterInvalid == estopAfterInvalid && s.estopBelowScore == estopBelowScore;
    }

    @Override
    public int hashCode() {
        int h = Objects.hash(staleAfter, estopAfterInvalid, estopBelowScore);
        for (Object a : new Object[]{axisMin, axisMax, workspaceMin, workspaceMax, maxVelocity, maxAcceleration,
                maxJerk, maxStep}) {
            h = h * 31 + Arrays.hashCode((double[]) a);
        }
        return h * 31 + Arrays.hashCode(workspaceAxes);
    }

    @Override
    public String toString() {
        return "SafetyConfig[axisMin=" + Arrays.toString(axisMin) + ", axisMax=" + Arrays.toString(axisMax)
                + ", workspaceAxes=" + Arrays.toString(workspaceAxes) + ", workspaceMin=" + Arrays.toString(workspaceMin)
                + ", workspaceMax=" + Arrays.toString(workspaceMax) + ", maxVelocity=" + Arrays.toString(maxVelocity)
                + ", maxAcceleration=" + Arrays.toString(maxAcceleration) + ", maxJerk=" + Arrays.toString(maxJerk)
                + ", maxStep=" + Arrays.toString(maxStep) + ", staleAfter=" + staleAfter
                + ", estopAfterInvalid=" + estopAfterInvalid + ", estopBelowScore=" + estopBelowScore + "]";
    }

    /** Builder for {@link SafetyConfig}; {@link #build()} validates. */
    public static final class Builder {
        private double[] axisMin = new double[0];
        private double[] axisMax = new double[0];
        private int[] workspaceAxes = new int[0];
        private double[] workspaceMin = new double[0];
        private double[] workspaceMax = new double[0];
        private double[] maxVelocity = new double[0];
        private double[] maxAcceleration = new double[0];
        private double[] maxJerk = new double[0];
        private double[] maxStep = new double[0];
        private Duration staleAfter = Duration.ofMillis(100);
        private int estopAfterInvalid = 3;
        private double estopBelowScore;

        private Builder() {
        }

        /**
         * Sets {@code axisBounds}.
         *
         * @param min per-axis lower bounds
         * @param max per-axis upper bounds
         * @return this
         */
        public Builder axisBounds(double[] min, double[] max) {
            this.axisMin = min.clone();
            this.axisMax = max.clone();
            return this;
        }

        /**
         * Sets {@code workspace}.
         *
         * @param axes axes of the box (e.g. 0, 1, 2)
         * @param min  lower corner
         * @param max  upper corner
         * @return this
         */
        public Builder workspace(int[] axes, double[] min, double[] max) {
            this.workspaceAxes = axes.clone();
            this.workspaceMin = min.clone();
            this.workspaceMax = max.clone();
            return this;
        }

        /**
         * Sets {@code maxVelocity}.
         *
         * @param caps per-axis velocity caps
         * @return this
         */
        public Builder maxVelocity(double... caps) {
            this.maxVelocity = caps.clone();
            return this;
        }

        /**
         * Sets {@code maxAcceleration}.
         *
         * @param caps per-axis acceleration caps
         * @return this
         */
        public Builder maxAcceleration(double... caps) {
            this.maxAcceleration = caps.clone();
            return this;
        }

        /**
         * Sets {@code maxJerk}.
         *
         * @param caps per-axis jerk caps
         * @return this
         */
        public Builder maxJerk(double... caps) {
            this.maxJerk = caps.clone();
            return this;
        }

        /**
         * Sets {@code maxStep}.
         *
         * @param caps per-axis largest change per tick
         * @return this
         */
        public Builder maxStep(double... caps) {
            this.maxStep = caps.clone();
            return this;
        }

        /**
         * Sets {@code staleAfter}.
         *
         * @param staleAfter staleness deadline from capture
         * @return this
         */
        public Builder staleAfter(Duration staleAfter) {
            this.staleAfter = staleAfter;
            return this;
        }

        /**
         * Sets {@code estopAfterInvalid}.
         *
         * @param n consecutive invalid actions that latch the e-stop, 0 = off
         * @return this
         */
        public Builder estopAfterInvalid(int n) {
            this.estopAfterInvalid = n;
            return this;
        }

        /**
         * Sets {@code estopBelowScore}.
         *
         * @param score latch the e-stop when an executable tick scores below this, 0 = off
         * @return this
         */
        public Builder estopBelowScore(double score) {
            this.estopBelowScore = score;
            return this;
        }

        /** {@return the validated configuration} */
        public SafetyConfig build() {
            return new SafetyConfig(axisMin, axisMax, workspaceAxes, workspaceMin, workspaceMax, maxVelocity,
                    maxAcceleration, maxJerk, maxStep, staleAfter, estopAfterInvalid, estopBelowScore);
        }
    }
}
