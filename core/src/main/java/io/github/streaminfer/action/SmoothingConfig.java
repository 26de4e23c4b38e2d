package io.github.streaminfer.action;

import java.util.Arrays;
import java.util.Objects;

/**
 * Per-axis smoothing of the action signal at the control rate, before the safety chain. Immutable; start from
 * {@link #DEFAULT} (EMA with {@code alpha = 0.5}, the VLA streaming default) or a factory, adjust with
 * {@link #toBuilder()}.
 *
 * <ul>
 *   <li>{@link Kind#EMA}: {@code y = alpha * x + (1 - alpha) * y}; {@code alpha} in (0, 1], lower = more smoothing,
 *       1 = none (the seed's {@code smoothing_alpha}).</li>
 *   <li>{@link Kind#MOVING_AVERAGE}: mean of the last {@code window} ticks.</li>
 *   <li>{@link Kind#ONE_EURO}: the 1€ filter (Casiez et al.): cutoff {@code minCutoffHz + beta * |speed|}, speed
 *       low-passed at {@code derivativeCutoffHz}; uses the real time between ticks.</li>
 *   <li>{@link Kind#LOW_PASS}: first-order low-pass at {@code cutoffHz}, {@code alpha = dt / (RC + dt)},
 *       {@code RC = 1 / (2 pi cutoffHz)}, with the real {@code dt}; a step never overshoots.</li>
 * </ul>
 * Axes listed in {@code exemptAxes} (a gripper's open/close) pass through unsmoothed.
 *
 * @param kind               the filter
 * @param alpha              EMA weight of the new value, (0, 1]
 * @param window             moving-average window in ticks, 1 to 4096
 * @param minCutoffHz        one-euro minimum cutoff, finite {@code > 0}
 * @param beta               one-euro speed coefficient, finite {@code >= 0}
 * @param derivativeCutoffHz one-euro cutoff of the speed estimate, finite {@code > 0}
 * @param cutoffHz           low-pass cutoff, finite {@code > 0}
 * @param exemptAxes         axes that are never smoothed (each {@code >= 0}; checked against the dimension by
 *                           {@link ActionConfig})
 * @since 0.1.0
 */
public record SmoothingConfig(Kind kind, double alpha, int window, double minCutoffHz, double beta,
                              double derivativeCutoffHz, double cutoffHz, int[] exemptAxes) {

    /** Filters. */
    public enum Kind {
        /** No smoothing. */
        NONE,
        /** Exponential moving average. */
        EMA,
        /** Moving average over a window of ticks. */
        MOVING_AVERAGE,
        /** One-euro filter. */
        ONE_EURO,
        /** First-order low-pass. */
        LOW_PASS
    }

    /** EMA, alpha 0.5, no exempt axes. */
    public static final SmoothingConfig DEFAULT = builder().build();

    /** No smoothing. */
    public static final SmoothingConfig NONE = builder().kind(Kind.NONE).build();

    /**
     * Validates and copies {@code exemptAxes}.
     *
     * @param kind               see the class description
     * @param alpha              see the class description
     * @param window             see the class description
     * @param minCutoffHz        see the class description
     * @param beta               see the class description
     * @param derivativeCutoffHz see the class description
     * @param cutoffHz           see the class description
     * @param exemptAxes         see the class description
     */
    public SmoothingConfig {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(exemptAxes, "exemptAxes");
        if (!(alpha > 0 && alpha <= 1)) {
            throw new IllegalArgumentException("alpha is " + alpha + "; allowed: (0, 1], lower = more smoothing");
        }
        if (window < 1 || window > 4096) {
            throw new IllegalArgumentException("window is " + window + "; allowed: 1 to 4096 ticks");
        }
        positive("minCutoffHz", minCutoffHz);
        positive("derivativeCutoffHz", derivativeCutoffHz);
        positive("cutoffHz", cutoffHz);
        if (!(beta >= 0) || Double.isInfinite(beta)) {
            throw new IllegalArgumentException("beta is " + beta + "; allowed: a finite value >= 0");
        }
        exemptAxes = exemptAxes.clone();
        for (int a : exemptAxes) {
            if (a < 0) {
                throw new IllegalArgumentException("exemptAxes contains " + a + "; allowed: axis indexes >= 0");
            }
        }
    }

    private static void positive(String name, double v) {
        if (!(v > 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException(name + " is " + v + "; allowed: a finite value > 0");
        }
    }

    /** {@return a copy of the exempt axes} */
    @Override
    public int[] exemptAxes() {
        return exemptAxes.clone();
    }

    /**
     * {@return EMA smoothing}
     *
     * @param alpha weight of the new value, (0, 1]
     */
    public static SmoothingConfig ema(double alpha) {
        return builder().kind(Kind.EMA).alpha(alpha).build();
    }

    /**
     * {@return moving-average smoothing}
     *
     * @param window ticks averaged
     */
    public static SmoothingConfig movingAverage(int window) {
        return builder().kind(Kind.MOVING_AVERAGE).window(window).build();
    }

    /**
     * {@return one-euro smoothing (derivative cutoff 1 Hz)}
     *
     * @param minCutoffHz minimum cutoff
     * @param beta        speed coefficient
     */
    public static SmoothingConfig oneEuro(double minCutoffHz, double beta) {
        return builder().kind(Kind.ONE_EURO).minCutoffHz(minCutoffHz).beta(beta).build();
    }

    /**
     * {@return first-order low-pass smoothing}
     *
     * @param cutoffHz cutoff frequency
     */
    public static SmoothingConfig lowPass(double cutoffHz) {
        return builder().kind(Kind.LOW_PASS).cutoffHz(cutoffHz).build();
    }

    /** {@return a builder with the defaults} */
    public static Builder builder() {
        return new Builder();
    }

    /** {@return a builder starting from this configuration} */
    public Builder toBuilder() {
        return new Builder().kind(kind).alpha(alpha).window(window).minCutoffHz(minCutoffHz).beta(beta)
                .derivativeCutoffHz(derivativeCutoffHz).cutoffHz(cutoffHz).exemptAxes(exemptAxes);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SmoothingConfig s && s.kind == kind && s.alpha == alpha && s.window == window
                && s.minCutoffHz == minCutoffHz && s.beta == beta && s.derivativeCutoffHz == derivativeCutoffHz
                && s.cutoffHz == cutoffHz && Arrays.equals(s.exemptAxes, exemptAxes);
    }

    @Override
    public int hashCode() {
        return Objects.hash(kind, alpha, window, minCutoffHz, beta, derivativeCutoffHz, cutoffHz)
                * 31 + Arrays.hashCode(exemptAxes);
    }

    @Override
    public String toString() {
        return "SmoothingConfig[" + kind + ", alpha=" + alpha + ", window=" + window + ", minCutoffHz=" + minCutoffHz
                + ", beta=" + beta + ", derivativeCutoffHz=" + derivativeCutoffHz + ", cutoffHz=" + cutoffHz
                + ", exemptAxes=" + Arrays.toString(exemptAxes) + "]";
    }

    /** Builder for {@link SmoothingConfig}; {@link #build()} validates. */
    public static final class Builder {
        private Kind kind = Kind.EMA;
        private double alpha = 0.5;
        private int window = 5;
        private double minCutoffHz = 1.0;
        private double beta = 0.0;
        private double derivativeCutoffHz = 1.0;
        private double cutoffHz = 5.0;
        private int[] exemptAxes = new int[0];

        private Builder() {
        }

        /**
         * Sets {@code kind}.
         *
         * @param kind the filter
         * @return this
         */
        public Builder kind(Kind kind) {
            this.kind = kind;
            return this;
        }

        /**
         * Sets {@code alpha}.
         *
         * @param alpha EMA weight of the new value, (0, 1]
         * @return this
         */
        public Builder alpha(double alpha) {
            this.alpha = alpha;
            return this;
        }

        /**
         * Sets {@code window}.
         *
         * @param window moving-average window in ticks
         * @return this
         */
        public Builder window(int window) {
            this.window = window;
            return this;
        }

        /**
         * Sets {@code minCutoffHz}.
         *
         * @param hz one-euro minimum cutoff
         * @return this
         */
        public Builder minCutoffHz(double hz) {
            this.minCutoffHz = hz;
            return this;
        }

        /**
         * Sets {@code beta}.
         *
         * @param beta one-euro speed coefficient
         * @return this
         */
        public Builder beta(double beta) {
            this.beta = beta;
            return this;
        }

        /**
         * Sets {@code derivativeCutoffHz}.
         *
         * @param hz one-euro speed cutoff
         * @return this
         */
        public Builder derivativeCutoffHz(double hz) {
            this.derivativeCutoffHz = hz;
            return this;
        }

        /**
         * Sets {@code cutoffHz}.
         *
         * @param hz low-pass cutoff
         * @return this
         */
        public Builder cutoffHz(double hz) {
            this.cutoffHz = hz;
            return this;
        }

        /**
         * Sets {@code exemptAxes}.
         *
         * @param axes axes that are never smoothed
         * @return this
         */
        public Builder exemptAxes(int... axes) {
            this.exemptAxes = axes.clone();
            return this;
        }

        /** {@return the validated configuration} */
        public SmoothingConfig build() {
            return new SmoothingConfig(kind, alpha, window, minCutoffHz, beta, derivativeCutoffHz, cutoffHz, exemptAxes);
        }
    }
}
