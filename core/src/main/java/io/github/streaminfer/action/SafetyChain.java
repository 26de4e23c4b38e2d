package io.github.streaminfer.action;

import java.util.Arrays;

/**
 * The safety chain of an {@link ActionController} and the kinematic state of the command it emits. Each tick takes
 * the policy's (smoothed, finite) target in {@link #target()} and turns it into the next command:
 * <ol>
 *   <li>per-axis bounds, then the workspace box for absolute axes ({@link #bound});</li>
 *   <li>a desired velocity per axis, and the workspace box for delta axes;</li>
 *   <li>braking so an absolute target is reached without overshoot under the acceleration cap ({@link #brake});</li>
 *   <li>jerk shaping so a velocity change ends with the acceleration back at 0 ({@link #shapeForJerk});</li>
 *   <li>the {@link MotionLimiter}'s velocity, acceleration, jerk and max-step caps;</li>
 *   <li>the safety score: how far the command is from what the policy asked ({@link #score}).</li>
 * </ol>
 * {@link #emit} then integrates the capped velocity into the command's values and updates the command's position,
 * velocity and acceleration, from which the next tick starts.
 *
 * <p><b>Note:</b> consumer thread only (the thread calling {@code ActionController.next}); allocation-free.
 */
final class SafetyChain {
    private final int dim;
    private final boolean[] deltaAxis;
    private final double stepSecs;
    private final double[] axisMin;
    private final double[] axisMax;
    private final int[] workspaceAxes;
    private final double[] workspaceMin;
    private final double[] workspaceMax;
    private final MotionLimiter limiter;
    private final double[] inverseMaxVelocity;

    private final double[] target;
    private final double[] smoothedTarget;
    private final double[] requestedVelocity;
    private final double[] desiredVelocity;
    private final double[] boundedVelocity;
    private final double[] limitedVelocity;
    private final double[] newAcceleration;
    private final double[] commandPosition;
    private final double[] commandVelocity;
    private final double[] commandAcceleration;
    private final double[] pose;
    private boolean havePose;
    private boolean primed;
    private double lastJerk = Double.NaN;

    SafetyChain(ActionConfig c) {
        this.dim = c.dim();
        this.deltaAxis = new boolean[dim];
        for (int a : c.deltaAxes()) {
            deltaAxis[a] = true;
        }
        this.stepSecs = c.stepPeriod().toNanos() / 1e9;
        SafetyConfig s = c.safety();
        this.axisMin = s.hasAxisBounds() ? s.axisMin() : null;
        this.axisMax = s.hasAxisBounds() ? s.axisMax() : null;
        this.workspaceAxes = s.workspaceAxes();
        this.workspaceMin = s.workspaceMin();
        this.workspaceMax = s.workspaceMax();
        this.limiter = new MotionLimiter(s, dim);
        this.inverseMaxVelocity = new double[dim];
        for (int i = 0; i < dim; i++) {
            double v = limiter.vMax[i];
            inverseMaxVelocity[i] = v == Double.POSITIVE_INFINITY ? 0.0 : 1.0 / v;
        }
        this.target = new double[dim];
        this.smoothedTarget = new double[dim];
        this.requestedVelocity = new double[dim];
        this.desiredVelocity = new double[dim];
        this.boundedVelocity = new double[dim];
        this.limitedVelocity = new double[dim];
        this.newAcceleration = new double[dim];
        this.commandPosition = new double[dim];
        this.commandVelocity = new double[dim];
        this.commandAcceleration = new double[dim];
        this.pose = new double[dim];
    }

    /** {@return the policy's target for this tick: filled by the queue, smoothed, then bounded in place} */
    double[] target() {
        return target;
    }

    /** {@return true once the first action set the command's starting point} */
    boolean primed() {
        return primed;
    }

    /**
     * Takes the robot's pose when it has at least {@code dim} values and all of those are finite.
     *
     * @param currentPose the pose, or null if unknown
     */
    void observePose(double[] currentPose) {
        if (currentPose != null && currentPose.length >= dim) {
            boolean ok = true;
            for (int i = 0; i < dim; i++) {
                ok &= Double.isFinite(currentPose[i]);
            }
            if (ok) {
                System.arraycopy(currentPose, 0, pose, 0, dim);
                havePose = true;
            }
        }
    }

    /**
     * Runs the chain on {@link #target()} (smoothed and finite): bounds, desired velocities, braking, jerk shaping
     * and the motion caps, leaving this tick's velocity for {@link #emit}.
     *
     * @param dt the tick period for the caps, {@code > 0}
     * @return the {@link Intervention} bits raised
     */
    int track(double dt) {
        int bits = bound(dt);
        System.arraycopy(desiredVelocity, 0, boundedVelocity, 0, dim);
        brake(dt);
        shapeForJerk(dt, false);
        return bits | limiter.limit(desiredVelocity, commandVelocity, commandAcceleration, dt, limitedVelocity);
    }

    /**
     * Sets this tick's velocity to a hold: desired velocity 0 under the same caps.
     *
     * @param dt the tick period for the caps
     */
    void decelerate(double dt) {
        Arrays.fill(desiredVelocity, 0);
        shapeForJerk(dt, true);
        limiter.limit(desiredVelocity, commandVelocity, commandAcceleration, dt, limitedVelocity);
    }

    /**
     * Integrates this tick's velocity into the command's values and moves the command's kinematic state on.
     *
     * @param dt          the tick period
     * @param moved       whether {@link #track} ran this tick (an untouched absolute target is then emitted exactly)
     * @param measureJerk whether to compute the jerk of this tick into {@link #lastJerk()}
     * @param out         receives the command's {@code dim} values: positions, or moves for delta axes
     * @return true when every axis stands still
     */
    boolean emit(double dt, boolean moved, boolean measureJerk, double[] out) {
        boolean still = true;
        for (int d = 0; d < dim; d++) {
            double v = limitedVelocity[d];
            double move = v * dt;
            double p0 = commandPosition[d];
            double p = moved && !deltaAxis[d] && v == boundedVelocity[d] ? target[d] : p0 + move;
            double actual;
            if (deltaAxis[d]) {
                actual = v;
            } else {
                // the velocity the robot sees is the difference of the emitted targets: keep that one, not the
                // pre-rounding one, inside the caps' interval (nudge the target by an ulp if rounding left it)
                actual = (p - p0) / dt;
                for (int k = 0; k < 4 && actual > limiter.hi(d); k++) {
                    p = Math.nextDown(p);
                    actual = (p - p0) / dt;
                }
                for (int k = 0; k < 4 && actual < limiter.lo(d); k++) {
                    p = Math.nextUp(p);
                    actual = (p - p0) / dt;
                }
            }
            out[d] = deltaAxis[d] ? move : p;
            limitedVelocity[d] = actual;
            newAcceleration[d] = (actual - commandVelocity[d]) / dt;
            commandPosition[d] = p;
            still &= actual == 0;
        }
        lastJerk = Double.NaN;
        if (measureJerk) {
            double j2 = 0;
            for (int d = 0; d < dim; d++) {
                if (!limiter.uncapped(d)) { // a gripper's open/close step is not jerk
                    double j = (newAcceleration[d] - commandAcceleration[d]) / dt;
                    j2 += j * j;
                }
            }
            lastJerk = Math.sqrt(j2);
        }
        System.arraycopy(newAcceleration, 0, commandAcceleration, 0, dim);
        System.arraycopy(limitedVelocity, 0, commandVelocity, 0, dim);
        return still;
    }

    /**
     * Fills the command's values before the first action: 0 for delta axes, else the pose if known (0 otherwise).
     *
     * @param out receives {@code dim} values
     */
    void emitUnprimed(double[] out) {
        for (int d = 0; d < dim; d++) {
            out[d] = deltaAxis[d] || !havePose ? 0 : pose[d];
        }
    }

    /** {@return the norm of the jerk of the last {@link #emit} that measured it, in units/s³; NaN if it did not} */
    double lastJerk() {
        return lastJerk;
    }

    /**
     * Per-axis bounds, then the workspace box for absolute axes; primes the kinematic state on the first action;
     * then desired velocities (and the ones the unbounded target asked for, for the score) and the workspace box
     * for delta axes.
     */
    private int bound(double dt) {
        int bits = 0;
        System.arraycopy(target, 0, smoothedTarget, 0, dim);
        if (axisMin != null) {
            for (int d = 0; d < dim; d++) {
                double v = target[d];
                if (v < axisMin[d]) {
                    target[d] = axisMin[d];
                    bits |= Intervention.AXIS_BOUND.bit();
                } else if (v > axisMax[d]) {
                    target[d] = axisMax[d];
                    bits |= Intervention.AXIS_BOUND.bit();
                }
            }
        }
        for (int w = 0; w < workspaceAxes.length; w++) {
            int d = workspaceAxes[w];
            if (!deltaAxis[d]) {
                double t = target[d];
                double c = t < workspaceMin[w] ? workspaceMin[w] : (t > workspaceMax[w] ? workspaceMax[w] : t);
                if (c != t) {
                    target[d] = c;
                    bits |= Intervention.WORKSPACE.bit();
                }
            }
        }
        if (!primed) {
            for (int d = 0; d < dim; d++) {
                commandPosition[d] = deltaAxis[d] ? 0 : (havePose ? pose[d] : target[d]);
                commandVelocity[d] = 0;
                commandAcceleration[d] = 0;
            }
            primed = true;
        }
        for (int d = 0; d < dim; d++) {
            if (deltaAxis[d]) {
                requestedVelocity[d] = smoothedTarget[d] / stepSecs;
                desiredVelocity[d] = target[d] / stepSecs;
            } else {
                requestedVelocity[d] = (smoothedTarget[d] - commandPosition[d]) / dt;
                desiredVelocity[d] = (target[d] - commandPosition[d]) / dt;
            }
        }
        if (havePose) {
            for (int w = 0; w < workspaceAxes.length; w++) {
                int d = workspaceAxes[w];
                if (deltaAxis[d]) {
                    double t = pose[d] + desiredVelocity[d] * dt;
                    double c = t < workspaceMin[w] ? workspaceMin[w] : (t > workspaceMax[w] ? workspaceMax[w] : t);
                    if (c != t) {
                        desiredVelocity[d] = (c - pose[d]) / dt;
                        bits |= Intervention.WORKSPACE.bit();
                    }
                }
            }
        }
        return bits;
    }

    /**
     * Shapes the desired velocity of each capped absolute axis so that its target can be reached without overshoot
     * under the acceleration cap: the approach speed is at most {@code vb(e) = aMax * (sqrt(dt^2 + 2|e|/aMax) - dt)}
     * for a distance {@code e}, i.e. moving this tick and braking at {@code aMax} afterwards stops at the target
     * (the target is treated as standing still: feeding its estimated velocity forward makes a jerk-limited loop
     * ring at every chunk boundary, where the target jumps). Per axis, so one axis reaching its target does not hold
     * the others back. This is how the caps are followed, not a change of the policy's target, so it is not counted
     * as an intervention (the score shows the resulting lag).
     */
    private void brake(double dt) {
        for (int d = 0; d < dim; d++) {
            double a = limiter.aMax[d];
            double want = desiredVelocity[d];
            double e = target[d] - commandPosition[d];
            if (deltaAxis[d] || a == Double.POSITIVE_INFINITY) {
                continue;
            }
            double vb = 2 * Math.abs(e) / (Math.sqrt(dt * dt + 2 * Math.abs(e) / a) + dt); // = a*(sqrt(..)-dt), no cancellation
            if (e >= 0) {
                if (want > vb) {
                    desiredVelocity[d] = vb;
                }
            } else if (want < -vb) {
                desiredVelocity[d] = -vb;
            }
        }
    }

    /**
     * With a jerk cap, a velocity change must end with the acceleration back at 0, or the velocity overshoots and
     * the loop rings. Per axis, the velocity change requested this tick is limited to what still lets the
     * acceleration ramp down at {@code jMax} by the time the desired velocity is reached:
     * {@code |a| <= jMax * (sqrt(dt^2 + 2|vd - v0|/jMax) - dt)}. When stopping ({@code ramp}), each axis also ramps
     * its acceleration from the current one at {@code jMax} and stops on its own, the fastest stop within the caps
     * (the caps' common factor would otherwise let the slowest axis hold back every other one, several times
     * longer); without a jerk cap a stop keeps the direction of motion.
     */
    private void shapeForJerk(double dt, boolean ramp) {
        for (int d = 0; d < dim; d++) {
            double j = limiter.jMax[d];
            if (j == Double.POSITIVE_INFINITY) {
                continue;
            }
            double dv = desiredVelocity[d] - commandVelocity[d];
            double aAllowed = 2 * Math.abs(dv) / (Math.sqrt(dt * dt + 2 * Math.abs(dv) / j) + dt); // no cancellation
            double aWant = dv / dt;
            double a = Math.abs(aWant) > aAllowed ? Math.copySign(aAllowed, dv) : aWant;
            if (ramp) {
                double cap = limiter.aMax[d];
                double lo = Math.max(commandAcceleration[d] - j * dt, -cap);
                double hi = Math.min(commandAcceleration[d] + j * dt, cap);
                a = a < lo ? lo : (a > hi ? hi : a);
            }
            desiredVelocity[d] = commandVelocity[d] + a * dt;
        }
    }

    /**
     * {@code 1 - min(1, |e|)} with {@code e_i = (policy_i - command_i) / tol_i}: for an absolute axis the policy's
     * target against the command, {@code tol_i = vMax_i * stepPeriod} (how far the axis may move in one chunk step);
     * for a delta axis the policy's velocity against the commanded one, {@code tol_i = vMax_i}. Axes without a
     * velocity cap are not scored. Call after {@link #track} and before {@link #emit}.
     *
     * @param dt the tick period
     * @return the score, in {@code [0, 1]}
     */
    double score(double dt) {
        double sum = 0;
        for (int d = 0; d < dim; d++) {
            double n = inverseMaxVelocity[d];
            if (n == 0) {
                continue;
            }
            double e = deltaAxis[d] ? (requestedVelocity[d] - limitedVelocity[d]) * n
                    : (smoothedTarget[d] - (commandPosition[d] + limitedVelocity[d] * dt)) * n / stepSecs;
            sum += e * e;
        }
        double m = Math.sqrt(sum);
        return m >= 1 || !(m >= 0) ? 0 : 1 - m;
    }
}
