package io.github.streaminfer.action;

/**
 * Why an {@link ActionController}'s emergency stop is latched.
 *
 * @since 0.1.0
 */
public enum EmergencyStop {
    /** Not latched. */
    NONE,
    /** {@link ActionController#emergencyStop()} was called. */
    API,
    /** {@link SafetyConfig#estopAfterInvalid()} invalid actions arrived in a row. */
    CONSECUTIVE_INVALID,
    /** An executable tick scored below {@link SafetyConfig#estopBelowScore()}. */
    LOW_SCORE
}
