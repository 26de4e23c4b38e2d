package io.github.streaminfer.transport.internal.vla;

import io.github.streaminfer.action.ActionController;
import io.github.streaminfer.action.ActionStats;
import io.github.streaminfer.action.EmergencyStop;
import io.github.streaminfer.action.Intervention;
import io.github.streaminfer.transport.ActionEncoder;
import io.github.streaminfer.transport.ControlledActionEncoder;
import io.github.streaminfer.transport.internal.http.SafetyProbe;

/**
 * The dashboard's view of a session's safety chain, for the encoders that run one.
 *
 * <p><b>Note:</b> the probes read {@link ActionController#stats()} and the e-stop latch, both safe from any thread.
 */
public final class SafetyProbes {
    private SafetyProbes() {
    }

    /**
     * {@return a probe for a per-session action encoder, or null if it runs no safety chain}
     *
     * @param encoder the session's encoder
     */
    public static SafetyProbe of(ActionEncoder<?> encoder) {
        if (!(encoder instanceof ControlledActionEncoder c)) {
            return null;
        }
        return into -> {
            ActionController ac = c.controller();
            if (ac == null) {
                into.put("estop", false);
                into.put("interventions", 0);
                return;
            }
            ActionStats st = ac.stats();
            long total = 0;
            for (Intervention kind : Intervention.values()) {
                total += st.interventions(kind);
            }
            into.put("estop", st.estopCause() != EmergencyStop.NONE);
            into.put("estop_cause", st.estopCause().name());
            into.put("estop_trips", st.estopTrips());
            into.put("interventions", total);
            into.put("stale_ticks", st.staleTicks());
        };
    }
}
