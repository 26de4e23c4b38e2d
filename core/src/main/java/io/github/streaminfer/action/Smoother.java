package io.github.streaminfer.action;

/**
 * Per-axis smoothing state for one controller. Allocated at build time; {@link #apply} allocates nothing.
 *
 * <p><b>Note:</b> control-loop thread only.
 */
final class Smoother {
    private static final double TWO_PI = 2 * Math.PI;
    private final SmoothingConfig.Kind kind;
    private final boolean[] exempt;
    private final int dim;
    private final double alpha;
    private final int window;
    private final double minCutoff;
    private final double beta;
    private final double dCutoff;
    private final double rc;
    private final double[] y;
    private final double[] xPrev;
    private final double[] dxHat;
    private final double[] ring;
    private final double[] ringSum;
    private int ringPos;
    private int ringFill;
    private boolean primed;

    Smoother(SmoothingConfig c, int dim) {
        this.kind = c.kind();
        this.dim = dim;
        this.exempt = new boolean[dim];
        for (int a : c.exemptAxes()) {
            exempt[a] = true;
        }
        this.alpha = c.alpha();
        this.window = c.window();
        this.minCutoff = c.minCutoffHz();
        this.beta = c.beta();
        this.dCutoff = c.derivativeCutoffHz();
        this.rc = 1.0 / (TWO_PI * c.cutoffHz());
        this.y = new double[dim];
        this.xPrev = new double[dim];
        this.dxHat = new double[dim];
        this.ring = kind == SmoothingConfig.Kind.MOVING_AVERAGE ? new double[window * dim] : new double[0];
        this.ringSum = new double[dim];
    }

    /** Forget the history; the next value passes through and starts the filters. */
    void reset() {
        primed = false;
    }

    /**
     * Smooths {@code v} in place.
     *
     * @param v      values (finite)
     * @param dtSecs real time since the previous call, {@code > 0}
     */
    void apply(double[] v, double dtSecs) {
        if (kind == SmoothingConfig.Kind.NONE) {
            return;
        }
        if (!primed) {
            prime(v);
            return;
        }
        switch (kind) {
            case EMA -> {
                for (int i = 0; i < dim; i++) {
                    if (!exempt[i]) {
                        y[i] = alpha * v[i] + (1 - alpha) * y[i];
                        v[i] = y[i];
                    }
                }
            }
            case LOW_PASS -> {
                double a = dtSecs / (rc + dtSecs);
                for (int i = 0; i < dim; i++) {
                    if (!exempt[i]) {
                        y[i] += a * (v[i] - y[i]);
                        v[i] = y[i];
                    }
                }
            }
            case MOVING_AVERAGE -> {
                int base = ringPos * dim;
                if (ringFill < window) {
                    ringFill++;
                }
                for (int i = 0; i < dim; i++) {
                    if (!exempt[i]) {
                        ringSum[i] += v[i] - ring[base + i];
                        ring[base + i] = v[i];
                        v[i] = ringSum[i] / ringFill;
                    }
                }
                ringPos = ringPos + 1 == window ? 0 : ringPos + 1;
                if (ringPos == 0) {
                    // re-sum once per window so rounding cannot accumulate
                    for (int i = 0; i < dim; i++) {
                        double s = 0;
                        for (int k = 0; k < ringFill; k++) {
                            s += ring[k * dim + i];
                        }
                        ringSum[i] = s;
                    }
                }
            }
            case ONE_EURO -> {
                double ad = smoothingFactor(dtSecs, dCutoff);
                for (int i = 0; i < dim; i++) {
                    if (!exempt[i]) {
                        double dx = (v[i] - xPrev[i]) / dtSecs;
                        dxHat[i] += ad * (dx - dxHat[i]);
                        double cutoff = minCutoff + beta * Math.abs(dxHat[i]);
                        double a = smoothingFactor(dtSecs, cutoff);
                        xPrev[i] = v[i];
                        y[i] += a * (v[i] - y[i]);
                        v[i] = y[i];
                    }
                }
            }
            default -> {
            }
        }
    }

    private static double smoothingFactor(double dt, double cutoffHz) {
        double tau = 1.0 / (TWO_PI * cutoffHz);
        return 1.0 / (1.0 + tau / dt);
    }

    private void prime(double[] v) {
        for (int i = 0; i < dim; i++) {
            y[i] = v[i];
            xPrev[i] = v[i];
            dxHat[i] = 0;
            ringSum[i] = 0;
        }
        if (kind == SmoothingConfig.Kind.MOVING_AVERAGE) {
            java.util.Arrays.fill(ring, 0);
            ringPos = 0;
            ringFill = 1;
            for (int i = 0; i < dim; i++) {
                ring[i] = v[i];
                ringSum[i] = v[i];
            }
            ringPos = window == 1 ? 0 : 1;
        }
        primed = true;
    }
}
