package io.github.streaminfer.action;

/**
 * Velocity, acceleration, jerk and max-step caps over one tick, with direction-preserving scaling.
 *
 * <p>Per axis the caps define an interval of allowed velocities for this tick: {@code |v| <= min(vMax, maxStep/dt)},
 * {@code |v - v0| <= aMax*dt}, {@code |v - v0 - a0*dt| <= jMax*dt^2}, and, when both a jerk and a velocity cap are
 * set, {@code v + a^2/(2 jMax) <= vMax} (and its mirror) so that the acceleration can always be brought back to 0
 * before the velocity cap is reached. From any state that met these constraints, braking the acceleration at
 * {@code jMax} meets them again, so the interval is never empty (up to rounding).
 *
 * <p>The chosen velocity is, in order of preference: {@code s * vd} (the desired velocity scaled by one factor,
 * direction of motion kept); {@code v0 + s * (vd - v0)} (one factor on the velocity change, direction of the
 * acceleration kept); with jerk caps, {@code c + s * (vd - c)} from {@code c = v0 + a0*dt} (direction of the change
 * of acceleration kept); each axis clamped into its interval ({@link Intervention#DIRECTION}). Axes with no cap at all
 * (a gripper) are not part of the common factor: they get their desired velocity, and stop at once on a hold.
 *
 * <p><b>Note:</b> control-loop thread only; allocation-free.
 */
final class MotionLimiter {
    private static final int K_VEL = Intervention.VELOCITY.ordinal();
    private static final int K_ACC = Intervention.ACCELERATION.ordinal();
    private static final int K_JERK = Intervention.JERK.ordinal();
    private static final int K_STEP = Intervention.MAX_STEP.ordinal();

    private final int dim;
    final double[] vMax;
    final double[] aMax;
    final double[] jMax;
    final double[] sMax;
    private final double[] lo;
    private final double[] hi;
    private final int[] loKind;
    private final int[] hiKind;
    private final boolean any;
    private final boolean[] free;
    private final boolean anyJerk;
    private final double[] center;

    MotionLimiter(SafetyConfig s, int dim) {
        this.dim = dim;
        this.vMax = orInf(s.maxVelocity(), dim);
        this.aMax = orInf(s.maxAcceleration(), dim);
        this.jMax = orInf(s.maxJerk(), dim);
        this.sMax = orInf(s.maxStep(), dim);
        boolean a = false;
        this.free = new boolean[dim];
        for (int i = 0; i < dim; i++) {
            free[i] = vMax[i] == Double.POSITIVE_INFINITY && aMax[i] == Double.POSITIVE_INFINITY
                    && jMax[i] == Double.POSITIVE_INFINITY && sMax[i] == Double.POSITIVE_INFINITY;
            a |= !free[i];
        }
        this.any = a;
        boolean j = false;
        for (int i = 0; i < dim; i++) {
            j |= jMax[i] != Double.POSITIVE_INFINITY;
        }
        this.anyJerk = j;
        this.center = new double[dim];
        this.lo = new double[dim];
        this.hi = new double[dim];
        this.loKind = new int[dim];
        this.hiKind = new int[dim];
    }

    private static double[] orInf(double[] a, int dim) {
        if (a.length == 0) {
            double[] r = new double[dim];
            java.util.Arrays.fill(r, Double.POSITIVE_INFINITY);
            return r;
        }
        return a;
    }

    /**
     * {@return bit set of interventions applied}
     *
     * @param vd   desired velocities (finite)
     * @param v0   velocities of the previous tick
     * @param a0   accelerations of the previous tick
     * @param dt   tick period for the caps, {@code > 0}
     * @param vOut chosen velocities
     */
    int limit(double[] vd, double[] v0, double[] a0, double dt, double[] vOut) {
        if (!any) {
            System.arraycopy(vd, 0, vOut, 0, dim);
            return 0;
        }
        double dt2 = dt * dt;
        for (int i = 0; i < dim; i++) {
            double vCap = vMax[i];
            int vKind = K_VEL;
            double step = sMax[i] / dt;
            if (step < vCap) {
                vCap = step;
                vKind = K_STEP;
            }
            double l = -vCap;
            double h = vCap;
            int lk = vKind;
            int hk = vKind;
            double a = aMax[i];
            if (a != Double.POSITIVE_INFINITY) {
                double al = v0[i] - a * dt;
                double ah = v0[i] + a * dt;
                if (al > l) {
                    l = al;
                    lk = K_ACC;
                }
                if (ah < h) {
                    h = ah;
                    hk = K_ACC;
                }
            }
            double j = jMax[i];
            if (j != Double.POSITIVE_INFINITY) {
                double c = j * dt2;
                double mid = v0[i] + a0[i] * dt;
                if (mid - c > l) {
                    l = mid - c;
                    lk = K_JERK;
                }
                if (mid + c < h) {
                    h = mid + c;
                    hk = K_JERK;
                }
                if (vCap != Double.POSITIVE_INFINITY) {
                    double up = Math.max(0, vCap - v0[i]);
                    double hr = v0[i] + 2 * up / (Math.sqrt(1 + 2 * up / c) + 1); // = c*(sqrt(..)-1) without cancellation
                    double down = Math.max(0, vCap + v0[i]);
                    double lr = v0[i] - 2 * down / (Math.sqrt(1 + 2 * down / c) + 1);
                    if (lr > l) {
                        l = lr;
                        lk = K_JERK;
                    }
                    if (hr < h) {
                        h = hr;
                        hk = K_JERK;
                    }
                }
            }
            if (l > h) {
                // only possible through rounding: take the middle
                double m = 0.5 * (l + h);
                l = m;
                h = m;
            }
            lo[i] = l;
            hi[i] = h;
            loKind[i] = lk;
            hiKind[i] = hk;
        }
        int bits = scaleAlong(vd, null, vOut);
        if (bits >= 0) {
            return bits;
        }
        bits = scaleAlong(vd, v0, vOut);
        if (bits >= 0) {
            return bits;
        }
        if (anyJerk) {
            // from the zero-jerk point (keep the current acceleration) toward the desired velocity
            for (int i = 0; i < dim; i++) {
                center[i] = v0[i] + a0[i] * dt;
            }
            bits = scaleAlong(vd, center, vOut);
            if (bits >= 0) {
                return bits;
            }
        }
        bits = Intervention.DIRECTION.bit();
        for (int i = 0; i < dim; i++) {
            double v = vd[i];
            if (v < lo[i]) {
                v = lo[i];
                bits |= 1 << loKind[i];
            } else if (v > hi[i]) {
                v = hi[i];
                bits |= 1 << hiKind[i];
            }
            vOut[i] = v;
        }
        return bits;
    }

    /** {@return true if axis {@code d} has no cap at all (not part of the common factor)} */
    boolean uncapped(int d) {
        return free[d];
    }

    /** {@return the lower end of axis {@code d}'s interval at the last {@link #limit} (-Infinity if uncapped)} */
    double lo(int d) {
        return any ? lo[d] : Double.NEGATIVE_INFINITY;
    }

    /** {@return the upper end of axis {@code d}'s interval at the last {@link #limit} (+Infinity if uncapped)} */
    double hi(int d) {
        return any ? hi[d] : Double.POSITIVE_INFINITY;
    }

    /**
     * Largest {@code s} in [0, 1] with {@code base + s * (vd - base)} inside every interval ({@code base = 0} when
     * null).
     *
     * @return the intervention bits, or -1 if no such {@code s} exists
     */
    private int scaleAlong(double[] vd, double[] base, double[] vOut) {
        double sLo = 0;
        double sHi = 1;
        int kind = -1;
        for (int i = 0; i < dim; i++) {
            if (free[i]) {
                continue;
            }
            double b = base == null ? 0 : base[i];
            double d = vd[i] - b;
            double l = lo[i] - b;
            double h = hi[i] - b;
            if (d == 0) {
                if (l > 0 || h < 0) {
                    return -1;
                }
            } else if (d > 0) {
                double sl = l / d;
                double sh = h / d;
                if (sl > sLo) {
                    sLo = sl;
                }
                if (sh < sHi) {
                    sHi = sh;
                    kind = hiKind[i];
                }
            } else {
                double sl = h / d;
                double sh = l / d;
                if (sl > sLo) {
                    sLo = sl;
                }
                if (sh < sHi) {
                    sHi = sh;
                    kind = loKind[i];
                }
            }
        }
        if (sHi < sLo) {
            return -1;
        }
        for (int i = 0; i < dim; i++) {
            if (free[i]) {
                vOut[i] = vd[i];
                continue;
            }
            double b = base == null ? 0 : base[i];
            double v = b + sHi * (vd[i] - b);
            // guard the last ulp: never leave the interval through rounding
            vOut[i] = v < lo[i] ? lo[i] : (v > hi[i] ? hi[i] : v);
        }
        return sHi < 1 && kind >= 0 ? 1 << kind : 0;
    }
}
