package io.github.streaminfer.transport;

import java.util.Map;
import java.util.Objects;

/**
 * What a client asked for when it opened a session, after validation: the endpoint, the model, the pace and the
 * protocol's own options (for example the VLA seed's {@code robot_type}, {@code enable_smoothing},
 * {@code enable_safety} and {@code smoothing_alpha}, or the signal stream's {@code preprocess}).
 *
 * @param endpoint  which endpoint ({@code vla}, {@code detection}, {@code signal}, {@code openpi})
 * @param sessionId the id the client sees
 * @param model     the requested model name (the factory decides whether it serves it)
 * @param targetFps the requested inference pace (0 = as fast as frames come)
 * @param maxFps    the admission limit the transport enforces for this client's tier (0 = unlimited); factories
 *                  may pass it on to {@code SessionConfig.maxFps}
 * @param principal who asked
 * @param options   protocol options by wire name; values are String, Boolean, Double, Long or null
 * @since 0.1.0
 */
public record SessionRequest(String endpoint, String sessionId, String model, double targetFps, double maxFps,
                             AccessPolicy.Principal principal, Map<String, Object> options) {

    /**
     * @param endpoint  see the class description
     * @param sessionId see the class description
     * @param model     see the class description
     * @param targetFps see the class description
     * @param maxFps    see the class description
     * @param principal see the class description
     * @param options   see the class description
     */
    public SessionRequest {
        Objects.requireNonNull(endpoint, "endpoint");
        Objects.requireNonNull(sessionId, "sessionId");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(principal, "principal");
        options = Map.copyOf(options);
    }

    /**
     * @param name         option name as on the wire
     * @param defaultValue value when absent
     * @return the option as a boolean
     */
    public boolean flag(String name, boolean defaultValue) {
        Object v = options.get(name);
        return v instanceof Boolean b ? b : defaultValue;
    }

    /**
     * @param name         option name as on the wire
     * @param defaultValue value when absent
     * @return the option as a double
     */
    public double number(String name, double defaultValue) {
        Object v = options.get(name);
        return v instanceof Number n ? n.doubleValue() : defaultValue;
    }

    /**
     * @param name         option name as on the wire
     * @param defaultValue value when absent
     * @return the option as a string
     */
    public String text(String name, String defaultValue) {
        Object v = options.get(name);
        return v instanceof String s ? s : defaultValue;
    }
}
