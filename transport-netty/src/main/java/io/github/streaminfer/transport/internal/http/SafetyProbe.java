package io.github.streaminfer.transport.internal.http;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Reports a session's safety state to the dashboard: interventions so far, whether the emergency stop is latched,
 * the newest safety score. Endpoints with action processing set one on their {@link LiveSession}.
 *
 * <p><b>Note:</b> called from an event loop while the session runs; implementations read state that is safe to
 * read from any thread.
 */
@FunctionalInterface
public interface SafetyProbe {
    /**
     * Writes {@code interventions}, {@code estop} and {@code safety_score} (any it knows).
     *
     * @param into the object to fill
     */
    void write(ObjectNode into);
}
