package io.github.streaminfer.transport.detection;

import io.github.streaminfer.session.StreamingInferenceSession;
import io.github.streaminfer.transport.SessionFactory;

import java.util.Objects;

/**
 * Mounts the OpenVINO seed's detection protocols on a session factory: the WebSocket {@code /stream/detection} and
 * the REST + SSE session API under {@code /stream}.
 *
 * @param factory      opens one session per WebSocket client or REST session
 * @param encoder      maps results to detections
 * @param reconfigurer applies changed settings to a running session's task (may be null: then only the settings the
 *                     transport applies itself take effect, and the response says which)
 * @param defaults     settings of a new session before the client's own
 * @param maxSessions  REST + WebSocket detection sessions at once, over all clients
 * @param <O>          result value type
 * @since 0.1.0
 */
public record DetectionEndpoint<O>(SessionFactory<DetectionImage, O> factory, DetectionEncoder<O> encoder,
                                   Reconfigurer<O> reconfigurer, DetectionSettings defaults, int maxSessions) {

    /**
     * Applies new settings to a running session.
     *
     * @param <O> result value type
     */
    @FunctionalInterface
    public interface Reconfigurer<O> {
        /**
         * Called on a transport worker thread, never on an event loop.
         *
         * @param session  the session
         * @param settings the new settings
         */
        void apply(StreamingInferenceSession<DetectionImage, O> session, DetectionSettings settings);
    }

    /**
     * @param factory      see the class description
     * @param encoder      see the class description
     * @param reconfigurer see the class description
     * @param defaults     see the class description
     * @param maxSessions  see the class description
     */
    public DetectionEndpoint {
        Objects.requireNonNull(factory, "factory");
        Objects.requireNonNull(encoder, "encoder");
        Objects.requireNonNull(defaults, "defaults");
        if (maxSessions < 1) {
            throw new IllegalArgumentException("maxSessions is " + maxSessions + "; allowed: >= 1");
        }
    }

    /**
     * @param factory opens sessions
     * @param encoder maps results
     * @param <O>     result type
     * @return an endpoint with default settings, no reconfigurer and at most 64 sessions
     */
    public static <O> DetectionEndpoint<O> of(SessionFactory<DetectionImage, O> factory, DetectionEncoder<O> encoder) {
        return new DetectionEndpoint<>(factory, encoder, null, DetectionSettings.DEFAULT, 64);
    }
}
