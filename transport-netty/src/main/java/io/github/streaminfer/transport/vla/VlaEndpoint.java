package io.github.streaminfer.transport.vla;

import io.github.streaminfer.transport.ActionEncoder;
import io.github.streaminfer.transport.SessionFactory;

import java.util.Objects;

/**
 * Mounts the VLA seed's WebSocket protocol on a session factory.
 *
 * @param path             WebSocket path (the seed's {@code /v1/stream})
 * @param factory          opens one session per authenticated client
 * @param encoder          maps results to action fields
 * @param defaultModel     model reported when {@code auth} names none
 * @param defaultTargetFps {@code target_fps} when {@code auth} gives none (the seed's 10)
 * @param maxStateLength   longest {@code pose + velocity} accepted (0: leave the check to the task)
 * @param <O>              result value type
 * @since 0.1.0
 */
public record VlaEndpoint<O>(String path, SessionFactory<VlaFrame, O> factory, ActionEncoder<O> encoder,
                             String defaultModel, double defaultTargetFps, int maxStateLength) {

    /**
     * @param path             see the class description
     * @param factory          see the class description
     * @param encoder          see the class description
     * @param defaultModel     see the class description
     * @param defaultTargetFps see the class description
     * @param maxStateLength   see the class description
     */
    public VlaEndpoint {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(factory, "factory");
        Objects.requireNonNull(encoder, "encoder");
        Objects.requireNonNull(defaultModel, "defaultModel");
        if (!path.startsWith("/")) {
            throw new IllegalArgumentException("path '" + path + "' must start with '/'");
        }
        if (!(defaultTargetFps > 0) || Double.isInfinite(defaultTargetFps)) {
            throw new IllegalArgumentException("defaultTargetFps is " + defaultTargetFps + "; allowed: > 0");
        }
        if (maxStateLength < 0) {
            throw new IllegalArgumentException("maxStateLength is " + maxStateLength + "; allowed: >= 0");
        }
    }

    /**
     * @param factory opens sessions
     * @param encoder maps results
     * @param <O>     result type
     * @return the endpoint at {@code /v1/stream}, model {@code factory.modelName()}, 10 fps, no state-length check
     */
    public static <O> VlaEndpoint<O> of(SessionFactory<VlaFrame, O> factory, ActionEncoder<O> encoder) {
        return new VlaEndpoint<>("/v1/stream", factory, encoder, factory.modelName(), 10, 0);
    }

    /**
     * @param length longest state vector accepted
     * @return a copy with that check
     */
    public VlaEndpoint<O> withMaxStateLength(int length) {
        return new VlaEndpoint<>(path, factory, encoder, defaultModel, defaultTargetFps, length);
    }
}
