package io.github.streaminfer.action;

/**
 * What the action pipeline did to a policy action before it reached the robot. A command carries the set of
 * interventions of its tick as a bit set ({@link ActionCommand#interventions()}); {@link ActionStats} counts them
 * by kind.
 *
 * <p>The safety chain runs in this order: {@link #NON_FINITE} / {@link #DIMENSION} guard, {@link #AXIS_BOUND} /
 * {@link #WORKSPACE}, {@link #VELOCITY} / {@link #ACCELERATION} / {@link #JERK}, {@link #MAX_STEP},
 * {@link #STALE} / {@link #STARVED} watchdog, {@link #ESTOP}.
 *
 * @since 0.1.0
 */
public enum Intervention {
    /** A value was NaN or infinite: the whole action was rejected (never emitted) and the controller held. */
    NON_FINITE,
    /** An action had the wrong number of values for the configured dimension and horizon; rejected. */
    DIMENSION,
    /** A value was clamped to its per-axis bound. */
    AXIS_BOUND,
    /** A target ({@code current pose + delta} for delta axes) was clamped into the workspace box. */
    WORKSPACE,
    /** The move was scaled down (all axes by one factor) to respect the velocity cap. */
    VELOCITY,
    /** The move was scaled down to respect the acceleration cap. */
    ACCELERATION,
    /** The move was scaled down to respect the jerk cap (or to stay able to brake within the caps). */
    JERK,
    /** The move was scaled down to respect the maximum change per tick. */
    MAX_STEP,
    /**
     * No single factor satisfied every cap, so each axis was clamped into its own feasible range; the caps hold
     * but the direction of the move is not preserved exactly.
     */
    DIRECTION,
    /** The action was older than the staleness deadline: not executable, the controller decelerated to a hold. */
    STALE,
    /** The loop asked for a command and no action was queued for this tick: decelerate to a hold. */
    STARVED,
    /** The emergency stop is latched: not executable until {@link ActionController#resetEmergencyStop()}. */
    ESTOP;

    private static final Intervention[] VALUES = values();

    /** {@return this kind's bit in {@link ActionCommand#interventions()}} */
    public int bit() {
        return 1 << ordinal();
    }

    /**
     * {@return true if this kind's bit is set}
     *
     * @param bits a bit set from {@link ActionCommand#interventions()}
     */
    public boolean in(int bits) {
        return (bits & bit()) != 0;
    }

    /**
     * {@return the kinds in it, for messages and tests (allocates)}
     *
     * @param bits a bit set from {@link ActionCommand#interventions()}
     */
    public static java.util.EnumSet<Intervention> setOf(int bits) {
        java.util.EnumSet<Intervention> s = java.util.EnumSet.noneOf(Intervention.class);
        for (Intervention i : VALUES) {
            if (i.in(bits)) {
                s.add(i);
            }
        }
        return s;
    }
}
