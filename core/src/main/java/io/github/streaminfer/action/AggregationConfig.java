package io.github.streaminfer.action;

import java.util.Objects;

/**
 * How overlapping action chunks are combined on the controller's step grid. Immutable.
 *
 * <ul>
 *   <li>{@link Mode#LATEST_ONLY}: a new chunk replaces every queued step after the last executed one.</li>
 *   <li>{@link Mode#TEMPORAL_ENSEMBLE} (ACT): each step is the weighted mean of every prediction for it, weight
 *       {@code exp(-k * i)} with {@code i = 0} the oldest prediction; larger {@code k} favours old predictions
 *       more strongly (ACT's default is {@code k = 0.01}).</li>
 *   <li>{@link Mode#WEIGHTED_BLEND}: a step predicted again becomes
 *       {@code (oldWeight * queued + newWeight * new) / (oldWeight + newWeight)}.</li>
 * </ul>
 * Steps at or before the last executed step are never changed.
 *
 * @param mode      the combination rule
 * @param ensembleK {@code k} of temporal ensembling, {@code >= 0}, finite
 * @param oldWeight weight of the queued value in a blend, {@code >= 0}, finite
 * @param newWeight weight of the new value in a blend, {@code >= 0}, finite; {@code oldWeight + newWeight > 0}
 * @since 0.1.0
 */
public record AggregationConfig(Mode mode, double ensembleK, double oldWeight, double newWeight) {

    /** Aggregation rules. */
    public enum Mode {
        /** The newest chunk wins. */
        LATEST_ONLY,
        /** ACT temporal ensembling. */
        TEMPORAL_ENSEMBLE,
        /** Fixed old/new weights. */
        WEIGHTED_BLEND
    }

    /** Latest-only ({@code k} 0.01 and blend weights 0.5/0.5 kept for a later switch of mode). */
    public static final AggregationConfig DEFAULT = latestOnly();

    /**
     * Validates.
     *
     * @param mode      see the class description
     * @param ensembleK see the class description
     * @param oldWeight see the class description
     * @param newWeight see the class description
     */
    public AggregationConfig {
        Objects.requireNonNull(mode, "mode");
        if (!(ensembleK >= 0) || Double.isInfinite(ensembleK)) {
            throw new IllegalArgumentException("ensembleK is " + ensembleK + "; allowed: a finite value >= 0");
        }
        if (!(oldWeight >= 0) || Double.isInfinite(oldWeight)) {
            throw new IllegalArgumentException("oldWeight is " + oldWeight + "; allowed: a finite value >= 0");
        }
        if (!(newWeight >= 0) || Double.isInfinite(newWeight)) {
            throw new IllegalArgumentException("newWeight is " + newWeight + "; allowed: a finite value >= 0");
        }
        if (oldWeight + newWeight <= 0) {
            throw new IllegalArgumentException("oldWeight + newWeight is " + (oldWeight + newWeight) + "; allowed: > 0");
        }
    }

    /** {@return latest-only aggregation} */
    public static AggregationConfig latestOnly() {
        return new AggregationConfig(Mode.LATEST_ONLY, 0.01, 0.5, 0.5);
    }

    /**
     * {@return ACT temporal ensembling}
     *
     * @param k decay of the ACT weights {@code exp(-k * i)}, {@code i = 0} the oldest prediction
     */
    public static AggregationConfig temporalEnsemble(double k) {
        return new AggregationConfig(Mode.TEMPORAL_ENSEMBLE, k, 0.5, 0.5);
    }

    /**
     * {@return a fixed-weight blend}
     *
     * @param oldWeight weight of the queued value
     * @param newWeight weight of the new prediction
     */
    public static AggregationConfig weightedBlend(double oldWeight, double newWeight) {
        return new AggregationConfig(Mode.WEIGHTED_BLEND, 0.01, oldWeight, newWeight);
    }

    /** {@return a builder with the defaults of {@link #DEFAULT}} */
    public static Builder builder() {
        return new Builder();
    }

    /** {@return a builder starting from this configuration} */
    public Builder toBuilder() {
        return new Builder().mode(mode).ensembleK(ensembleK).oldWeight(oldWeight).newWeight(newWeight);
    }

    /** Builder for {@link AggregationConfig}; {@link #build()} validates. */
    public static final class Builder {
        private Mode mode = Mode.LATEST_ONLY;
        private double ensembleK = 0.01;
        private double oldWeight = 0.5;
        private double newWeight = 0.5;

        private Builder() {
        }

        /**
         * Sets {@code mode}.
         *
         * @param mode the combination rule
         * @return this
         */
        public Builder mode(Mode mode) {
            this.mode = mode;
            return this;
        }

        /**
         * Sets {@code ensembleK}.
         *
         * @param k decay of the ACT weights
         * @return this
         */
        public Builder ensembleK(double k) {
            this.ensembleK = k;
            return this;
        }

        /**
         * Sets {@code oldWeight}.
         *
         * @param w weight of the queued value in a blend
         * @return this
         */
        public Builder oldWeight(double w) {
            this.oldWeight = w;
            return this;
        }

        /**
         * Sets {@code newWeight}.
         *
         * @param w weight of the new value in a blend
         * @return this
         */
        public Builder newWeight(double w) {
            this.newWeight = w;
            return this;
        }

        /** {@return the validated configuration} */
        public AggregationConfig build() {
            return new AggregationConfig(mode, ensembleK, oldWeight, newWeight);
        }
    }
}
