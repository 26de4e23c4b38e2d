package io.github.streaminfer.action;

import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;

/**
 * Everything an {@link ActionController} needs: the action's shape and timing, chunk aggregation, smoothing and
 * the safety chain. Immutable; start from {@link #DEFAULT} and change fields with {@link #toBuilder()}.
 *
 * <p>Timing: step {@code k} of a chunk whose observation was captured at {@code t} is scheduled at
 * {@code t + k * stepPeriod}, rounded to the controller's step grid. The control loop ticks every
 * {@code controlPeriod} (the caps use {@code min(actual tick interval, controlPeriod)}), and between two steps the
 * command is interpolated linearly when {@code interpolate} is on.
 *
 * <p>Axes: an absolute axis carries a target (position, gripper opening); its velocity is the change of the command
 * per second. A delta axis ({@code deltaAxes}) carries a displacement per chunk step relative to the current pose;
 * the controller turns it into a velocity {@code value / stepPeriod} and commands the displacement of each tick.
 *
 * @param dim             values per step, 1 to 64
 * @param maxHorizon      most steps in a chunk, 1 to 4096 ({@code 1} = single actions)
 * @param stepPeriod      time between two steps of a chunk, {@code > 0}
 * @param controlPeriod   nominal control-loop period, {@code > 0}
 * @param deltaAxes       axes whose values are deltas (each 0 to {@code dim - 1}); the others are absolute
 * @param aggregation     how overlapping chunks combine
 * @param smoothing       per-axis smoothing before the safety chain
 * @param safety          the safety chain
 * @param refillThreshold ask for the next observation when fewer than {@code refillThreshold * horizon} steps are
 *                        queued ahead, (0, 1]
 * @param interpolate     interpolate linearly between steps when the loop is faster than the steps
 * @param handoffCapacity chunk slots between producer and control loop, a power of two from 2 to 1024; if the loop
 *                        falls this far behind, the oldest unread chunks are skipped (and counted)
 * @since 0.1.0
 */
public record ActionConfig(int dim, int maxHorizon, Duration stepPeriod, Duration controlPeriod, int[] deltaAxes,
                           AggregationConfig aggregation, SmoothingConfig smoothing, SafetyConfig safety,
                           double refillThreshold, boolean interpolate, int handoffCapacity) {

    /**
     * 7 absolute axes, chunks up to 50 steps at 50 Hz, 50 Hz control, latest-only, EMA 0.5, {@link SafetyConfig#DEFAULT},
     * refill below half a chunk, interpolation on, 8 handoff slots.
     */
    public static final ActionConfig DEFAULT = builder().build();

    /**
     * Validates and copies {@code deltaAxes}.
     *
     * @param dim             see the class description
     * @param maxHorizon      see the class description
     * @param stepPeriod      see the class description
     * @param controlPeriod   see the class description
     * @param deltaAxes       see the class description
     * @param aggregation     see the class description
     * @param smoothing       see the class description
     * @param safety          see the class description
     * @param refillThreshold see the class description
     * @param interpolate     see the class description
     * @param handoffCapacity see the class description
     */
    public ActionConfig {
        Objects.requireNonNull(stepPeriod, "stepPeriod");
        Objects.requireNonNull(controlPeriod, "controlPeriod");
        Objects.requireNonNull(deltaAxes, "deltaAxes");
        Objects.requireNonNull(aggregation, "aggregation");
        Objects.requireNonNull(smoothing, "smoothing");
        Objects.requireNonNull(safety, "safety");
        if (dim < 1 || dim > 64) {
            throw new IllegalArgumentException("dim is " + dim + "; allowed: 1 to 64");
        }
        if (maxHorizon < 1 || maxHorizon > 4096) {
            throw new IllegalArgumentException("maxHorizon is " + maxHorizon + "; allowed: 1 to 4096");
        }
        if (stepPeriod.isNegative() || stepPeriod.isZero() || stepPeriod.compareTo(Duration.ofSeconds(60)) > 0) {
            throw new IllegalArgumentException("stepPeriod is " + stepPeriod + "; allowed: > 0 and <= 60 s");
        }
        if (controlPeriod.isNegative() || controlPeriod.isZero() || controlPeriod.compareTo(Duration.ofSeconds(60)) > 0) {
            throw new IllegalArgumentException("controlPeriod is " + controlPeriod + "; allowed: > 0 and <= 60 s");
        }
        deltaAxes = deltaAxes.clone();
        for (int i = 0; i < deltaAxes.length; i++) {
            if (deltaAxes[i] < 0 || deltaAxes[i] >= dim) {
                throw new IllegalArgumentException("deltaAxes[" + i + "] is " + deltaAxes[i] + "; allowed: 0 to " + (dim - 1));
            }
        }
        for (int a : smoothing.exemptAxes()) {
            if (a >= dim) {
                throw new IllegalArgumentException("smoothing.exemptAxes contains " + a + "; allowed: 0 to " + (dim - 1));
            }
        }
        safety.checkDim(dim);
        if (!(refillThreshold > 0 && refillThreshold <= 1)) {
            throw new IllegalArgumentException("refillThreshold is " + refillThreshold + "; allowed: (0, 1]");
        }
        if (handoffCapacity < 2 || handoffCapacity > 1024 || Integer.bitCount(handoffCapacity) != 1) {
            throw new IllegalArgumentException("handoffCapacity is " + handoffCapacity
                    + "; allowed: a power of two from 2 to 1024");
        }
    }

    /** {@return a copy of the delta axes} */
    @Override
    public int[] deltaAxes() {
        return deltaAxes.clone();
    }

    /** {@return a builder with the defaults} */
    public static Builder builder() {
        return new Builder();
    }

    /** {@return a builder starting from this configuration} */
    public Builder toBuilder() {
        return new Builder().dim(dim).maxHorizon(maxHorizon).stepPeriod(stepPeriod).controlPeriod(controlPeriod)
                .deltaAxes(deltaAxes).aggregation(aggregation).smoothing(smoothing).safety(safety)
                .refillThreshold(refillThreshold).interpolate(interpolate).handoffCapacity(handoffCapacity);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ActionConfig c && c.dim == dim && c.maxHorizon == maxHorizon
                && c.stepPeriod.equals(stepPeriod) && c.controlPeriod.equals(controlPeriod)
                && Arrays.equals(c.deltaAxes, deltaAxes) && c.aggregation.equals(aggregation)
                && c.smoothing.equals(smoothing) && c.safety.equals(safety) && c.refillThreshold == refillThreshold
                && c.interpolate == interpolate && c.handoffCapacity == handoffCapacity;
    }

    @Override
    public int hashCode() {
        return Objects.hash(dim, maxHorizon, stepPeriod, controlPeriod, aggregation, smoothing, safety,
                refillThreshold, interpolate, handoffCapacity) * 31 + Arrays.hashCode(deltaAxes);
    }

    @Override
    public String toString() {
        return "ActionConfig[dim=" + dim + ", maxHorizon=" + maxHorizon + ", stepPeriod=" + stepPeriod
                + ", controlPeriod=" + controlPeriod + ", deltaAxes=" + Arrays.toString(deltaAxes) + ", aggregation="
                + aggregation + ", smoothing=" + smoothing + ", safety=" + safety + ", refillThreshold="
                + refillThreshold + ", interpolate=" + interpolate + ", handoffCapacity=" + handoffCapacity + "]";
    }

    /** Builder for {@link ActionConfig}; {@link #build()} validates. */
    public static final class Builder {
        private int dim = 7;
        private int maxHorizon = 50;
        private Duration stepPeriod = Duration.ofMillis(20);
        private Duration controlPeriod = Duration.ofMillis(20);
        private int[] deltaAxes = new int[0];
        private AggregationConfig aggregation = AggregationConfig.DEFAULT;
        private SmoothingConfig smoothing = SmoothingConfig.DEFAULT;
        private SafetyConfig safety = SafetyConfig.DEFAULT;
        private double refillThreshold = 0.5;
        private boolean interpolate = true;
        private int handoffCapacity = 8;

        private Builder() {
        }

        /**
         * Sets {@code dim}.
         *
         * @param dim values per step
         * @return this
         */
        public Builder dim(int dim) {
            this.dim = dim;
            return this;
        }

        /**
         * Sets {@code maxHorizon}.
         *
         * @param maxHorizon most steps per chunk
         * @return this
         */
        public Builder maxHorizon(int maxHorizon) {
            this.maxHorizon = maxHorizon;
            return this;
        }

        /**
         * Sets {@code stepPeriod}.
         *
         * @param stepPeriod time between chunk steps
         * @return this
         */
        public Builder stepPeriod(Duration stepPeriod) {
            this.stepPeriod = stepPeriod;
            return this;
        }

        /**
         * Sets {@code controlPeriod}.
         *
         * @param controlPeriod nominal control-loop period
         * @return this
         */
        public Builder controlPeriod(Duration controlPeriod) {
            this.controlPeriod = controlPeriod;
            return this;
        }

        /**
         * Sets {@code deltaAxes}.
         *
         * @param axes axes whose values are deltas
         * @return this
         */
        public Builder deltaAxes(int... axes) {
            this.deltaAxes = axes.clone();
            return this;
        }

        /**
         * Sets {@code aggregation}.
         *
         * @param aggregation chunk aggregation
         * @return this
         */
        public Builder aggregation(AggregationConfig aggregation) {
            this.aggregation = aggregation;
            return this;
        }

        /**
         * Sets {@code smoothing}.
         *
         * @param smoothing smoothing
         * @return this
         */
        public Builder smoothing(SmoothingConfig smoothing) {
            this.smoothing = smoothing;
            return this;
        }

        /**
         * Sets {@code safety}.
         *
         * @param safety safety chain
         * @return this
         */
        public Builder safety(SafetyConfig safety) {
            this.safety = safety;
            return this;
        }

        /**
         * Sets {@code refillThreshold}.
         *
         * @param fraction refill below this fraction of a chunk
         * @return this
         */
        public Builder refillThreshold(double fraction) {
            this.refillThreshold = fraction;
            return this;
        }

        /**
         * Sets {@code interpolate}.
         *
         * @param interpolate interpolate between steps
         * @return this
         */
        public Builder interpolate(boolean interpolate) {
            this.interpolate = interpolate;
            return this;
        }

        /**
         * Sets {@code handoffCapacity}.
         *
         * @param slots chunk slots between producer and control loop
         * @return this
         */
        public Builder handoffCapacity(int slots) {
            this.handoffCapacity = slots;
            return this;
        }

        /** {@return the validated configuration} */
        public ActionConfig build() {
            return new ActionConfig(dim, maxHorizon, stepPeriod, controlPeriod, deltaAxes, aggregation, smoothing,
                    safety, refillThreshold, interpolate, handoffCapacity);
        }
    }
}
