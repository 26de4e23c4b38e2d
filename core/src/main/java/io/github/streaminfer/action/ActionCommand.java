package io.github.streaminfer.action;

import java.util.Arrays;

/**
 * The command for one control tick, written by {@link ActionController#next(long, ActionCommand)} into an object
 * the caller allocates once and reuses.
 *
 * <p>{@link #values()} are always finite and always within the configured caps, whatever the state: when the
 * command is not {@link #executable()} they describe a deceleration to (or a hold at) the current command, which
 * is safe to send. Absolute axes carry a target; delta axes carry the displacement for this tick.
 *
 * <p><b>Note:</b> not thread-safe; owned by the control-loop thread that passes it to {@code next}.
 *
 * @since 0.1.0
 */
public final class ActionCommand {
    /** What the controller is doing at this tick. */
    public enum State {
        /** No action received yet (or just reset): holding, not executable. */
        IDLE,
        /** A fresh policy action passed the safety chain: executable. */
        ACTIVE,
        /** No fresh action (stale, starved or rejected): ramping velocity down within the caps, not executable. */
        DECELERATING,
        /** No fresh action and velocity is zero: holding, not executable. */
        HOLDING,
        /** The emergency stop is latched: decelerating/holding, not executable until reset. */
        ESTOP
    }

    final double[] values;
    State state = State.IDLE;
    double safetyScore;
    int interventions;
    long frameId = -1;
    long captureNanos;
    long observationAgeNanos = -1;
    long tickNanos;
    long step = -1;
    boolean refill = true;

    /**
     * Creates an empty command to pass to {@code ActionController.next}.
     *
     * @param dim values per command (the controller's {@code dim})
     */
    public ActionCommand(int dim) {
        if (dim < 1) {
            throw new IllegalArgumentException("dim is " + dim + "; allowed: >= 1");
        }
        this.values = new double[dim];
    }

    /** {@return the command values (reused; read them before the next tick)} */
    public double[] values() {
        return values;
    }

    /**
     * {@return the value of axis {@code d}}
     *
     * @param d axis
     */
    public double value(int d) {
        return values[d];
    }

    /** {@return number of axes} */
    public int dim() {
        return values.length;
    }

    /** {@return the controller state at this tick} */
    public State state() {
        return state;
    }

    /** {@return true only for a fresh policy action that passed the whole safety chain ({@link State#ACTIVE})} */
    public boolean executable() {
        return state == State.ACTIVE;
    }

    /** {@return true when the command ramps down or holds instead of executing a policy action} */
    public boolean holding() {
        return state != State.ACTIVE;
    }

    /**
     * How close the command is to what the policy asked for, in [0, 1]: {@code 1 - min(1, |e|)} where, per axis with
     * a velocity cap, {@code e_i = (policy target - command) / (maxVelocity * stepPeriod)} for an absolute axis (the
     * gap in units of "how far the axis may move in one chunk step") and {@code (policy velocity - commanded
     * velocity) / maxVelocity} for a delta axis. 1 when the chain changed nothing that matters, 0 when the command is
     * a whole step or more away from the policy. Ticks that are not executable report 0.
     *
     * @return the score
     */
    public double safetyScore() {
        return safetyScore;
    }

    /** {@return bit set of {@link Intervention}s applied at this tick (see {@link Intervention#in(int)})} */
    public int interventions() {
        return interventions;
    }

    /**
     * {@return true if it was applied at this tick}
     *
     * @param kind an intervention
     */
    public boolean has(Intervention kind) {
        return kind.in(interventions);
    }

    /** {@return frame id of the newest observation behind this command, -1 if none} */
    public long frameId() {
        return frameId;
    }

    /** {@return capture time of that observation (monotonic ns)} */
    public long captureNanos() {
        return captureNanos;
    }

    /** {@return tick time minus the observation's capture time, -1 if no observation is behind this command} */
    public long observationAgeNanos() {
        return observationAgeNanos;
    }

    /** {@return the {@code nowNanos} of this tick} */
    public long tickNanos() {
        return tickNanos;
    }

    /** {@return index of the chunk step executed (on the controller's step grid), -1 if none} */
    public long step() {
        return step;
    }

    /** {@return true if the queue holds less than the refill threshold: the producer should send an observation} */
    public boolean refill() {
        return refill;
    }

    @Override
    public String toString() {
        return "ActionCommand[" + state + ", frame=" + frameId + ", age=" + observationAgeNanos / 1000 + "us, score="
                + safetyScore + ", " + Intervention.setOf(interventions) + ", " + Arrays.toString(values) + "]";
    }
}
