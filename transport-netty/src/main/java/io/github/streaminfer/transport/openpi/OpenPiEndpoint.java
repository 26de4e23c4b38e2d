package io.github.streaminfer.transport.openpi;

import io.github.streaminfer.transport.ActionEncoder;
import io.github.streaminfer.transport.SessionFactory;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Mounts an openpi-compatible policy WebSocket on a session factory: on connect the server sends {@code metadata}
 * as one binary msgpack map; each binary msgpack observation is answered by one binary msgpack map with
 * {@code actions} (a float32 ndarray, {@code [horizon, dim]}) and {@code server_timing.infer_ms}. The API key comes
 * from the {@code Authorization: Api-Key <key>} header openpi's client sends.
 *
 * @param path     WebSocket path (openpi clients connect to {@code ws://host:port}, i.e. {@code /})
 * @param factory  opens one session per connection
 * @param encoder  maps results to the action chunk
 * @param metadata what the policy expects and returns (observation keys with dtype and shape, action horizon and
 *                 dimension); values may be String, Number, Boolean, List, Map or {@link NdArray}
 * @param limits   what one observation may cost; checked on arrival, before it is queued
 * @param <O>      result value type
 * @since 0.1.0
 */
public record OpenPiEndpoint<O>(String path, SessionFactory<OpenPiObservation, O> factory, ActionEncoder<O> encoder,
                                Map<String, Object> metadata, OpenPiLimits limits) {

    /**
     * Validates.
     *
     * @param path     see the class description
     * @param factory  see the class description
     * @param encoder  see the class description
     * @param metadata see the class description
     * @param limits   see the class description
     */
    public OpenPiEndpoint {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(factory, "factory");
        Objects.requireNonNull(encoder, "encoder");
        Objects.requireNonNull(limits, "limits");
        metadata = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
        if (!path.startsWith("/")) {
            throw new IllegalArgumentException("path '" + path + "' must start with '/'");
        }
    }

    /**
     * Creates an endpoint with {@link OpenPiLimits#DEFAULT}.
     *
     * @param path     see the class description
     * @param factory  see the class description
     * @param encoder  see the class description
     * @param metadata see the class description
     */
    public OpenPiEndpoint(String path, SessionFactory<OpenPiObservation, O> factory, ActionEncoder<O> encoder,
                          Map<String, Object> metadata) {
        this(path, factory, encoder, metadata, OpenPiLimits.DEFAULT);
    }

    /**
     * {@return this endpoint with other limits}
     *
     * @param limits what one observation may cost
     */
    public OpenPiEndpoint<O> withLimits(OpenPiLimits limits) {
        return new OpenPiEndpoint<>(path, factory, encoder, metadata, limits);
    }
}
