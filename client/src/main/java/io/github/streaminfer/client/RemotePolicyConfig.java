package io.github.streaminfer.client;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings of a {@link RemotePolicy}.
 *
 * <p>Defaults: no API key, 10 fps asked of the server, server-side smoothing and safety on (α 0.3), binary frames
 * ({@code frame_metadata} + the image bytes, no base64), 2 frames in flight, a 2 s connect (and authentication)
 * timeout, reconnects after 100 ms growing to 5 s with jitter.
 *
 * @param endpoint         the server's VLA WebSocket, {@code ws://host:port/v1/stream} or {@code wss://...}
 * @param apiKey           the API key, or null for a server without keys
 * @param targetFps        the {@code target_fps} asked in {@code auth}, in (0, 1000]
 * @param smoothing        the server's EMA smoothing
 * @param smoothingAlpha   its α, in (0, 1]
 * @param safety           the server's safety chain
 * @param binaryFrames     send the image as a binary message after a {@code frame_metadata} text message (true), or
 *                         base64 inside a {@code frame} text message (false)
 * @param maxInFlight      frames sent and not yet answered, {@code >= 1}; a submit beyond it waits as the one
 *                         pending frame (a newer submit replaces it)
 * @param connectTimeout   for the WebSocket handshake and for the server's {@code connected} reply
 * @param reconnectInitial first delay before reconnecting
 * @param reconnectMax     longest delay between attempts
 * @since 0.1.0
 */
public record RemotePolicyConfig(URI endpoint, String apiKey, double targetFps, boolean smoothing,
                                 double smoothingAlpha, boolean safety, boolean binaryFrames, int maxInFlight,
                                 Duration connectTimeout, Duration reconnectInitial, Duration reconnectMax) {

    /** Validates every field; messages name the field, its value and what is allowed. */
    public RemotePolicyConfig {
        Objects.requireNonNull(endpoint, "endpoint");
        String scheme = endpoint.getScheme();
        if (!"ws".equals(scheme) && !"wss".equals(scheme)) {
            throw new IllegalArgumentException("endpoint is " + endpoint + "; allowed: a ws:// or wss:// URI");
        }
        if (!(targetFps > 0 && targetFps <= 1000)) {
            throw new IllegalArgumentException("targetFps is " + targetFps + "; allowed: (0, 1000]");
        }
        if (!(smoothingAlpha > 0 && smoothingAlpha <= 1)) {
            throw new IllegalArgumentException("smoothingAlpha is " + smoothingAlpha + "; allowed: (0, 1]");
        }
        if (maxInFlight < 1) {
            throw new IllegalArgumentException("maxInFlight is " + maxInFlight + "; allowed: >= 1");
        }
        requirePositive(connectTimeout, "connectTimeout");
        requirePositive(reconnectInitial, "reconnectInitial");
        requirePositive(reconnectMax, "reconnectMax");
        if (reconnectMax.compareTo(reconnectInitial) < 0) {
            throw new IllegalArgumentException("reconnectMax is " + reconnectMax + "; allowed: >= reconnectInitial ("
                    + reconnectInitial + ")");
        }
    }

    /**
     * {@return a builder with the defaults}
     *
     * @param endpoint the server's VLA WebSocket URI
     */
    public static Builder builder(URI endpoint) {
        return new Builder(endpoint);
    }

    /** {@return a builder holding these settings} */
    public Builder toBuilder() {
        Builder b = new Builder(endpoint);
        b.apiKey = apiKey;
        b.targetFps = targetFps;
        b.smoothing = smoothing;
        b.smoothingAlpha = smoothingAlpha;
        b.safety = safety;
        b.binaryFrames = binaryFrames;
        b.maxInFlight = maxInFlight;
        b.connectTimeout = connectTimeout;
        b.reconnectInitial = reconnectInitial;
        b.reconnectMax = reconnectMax;
        return b;
    }

    private static void requirePositive(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " is " + d + "; allowed: > 0");
        }
    }

    /**
     * Builds a {@link RemotePolicyConfig}.
     *
     * <p><b>Note:</b> not thread-safe.
     */
    public static final class Builder {
        private final URI endpoint;
        private String apiKey;
        private double targetFps = 10;
        private boolean smoothing = true;
        private double smoothingAlpha = 0.3;
        private boolean safety = true;
        private boolean binaryFrames = true;
        private int maxInFlight = 2;
        private Duration connectTimeout = Duration.ofSeconds(2);
        private Duration reconnectInitial = Duration.ofMillis(100);
        private Duration reconnectMax = Duration.ofSeconds(5);

        private Builder(URI endpoint) {
            this.endpoint = endpoint;
        }

        /**
         * Sets the API key sent in {@code auth}.
         *
         * @param key the key, or null for none
         * @return this
         */
        public Builder apiKey(String key) {
            this.apiKey = key;
            return this;
        }

        /**
         * Sets the {@code target_fps} asked of the server.
         *
         * @param fps in (0, 1000]
         * @return this
         */
        public Builder targetFps(double fps) {
            this.targetFps = fps;
            return this;
        }

        /**
         * Turns the server's smoothing on or off and sets its α.
         *
         * @param on    whether the server smooths
         * @param alpha its α, in (0, 1]
         * @return this
         */
        public Builder smoothing(boolean on, double alpha) {
            this.smoothing = on;
            this.smoothingAlpha = alpha;
            return this;
        }

        /**
         * Turns the server's safety chain on or off (the local controller's stays on).
         *
         * @param on whether the server runs its safety chain
         * @return this
         */
        public Builder safety(boolean on) {
            this.safety = on;
            return this;
        }

        /**
         * Chooses binary frames (the default) or base64 text frames.
         *
         * @param binary true for {@code frame_metadata} + binary image
         * @return this
         */
        public Builder binaryFrames(boolean binary) {
            this.binaryFrames = binary;
            return this;
        }

        /**
         * Sets how many frames may be sent and not yet answered.
         *
         * @param frames {@code >= 1}
         * @return this
         */
        public Builder maxInFlight(int frames) {
            this.maxInFlight = frames;
            return this;
        }

        /**
         * Sets the connect and authentication timeout.
         *
         * @param timeout {@code > 0}
         * @return this
         */
        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = timeout;
            return this;
        }

        /**
         * Sets the reconnect delays.
         *
         * @param initial the first delay, {@code > 0}
         * @param max     the longest delay, {@code >= initial}
         * @return this
         */
        public Builder reconnect(Duration initial, Duration max) {
            this.reconnectInitial = initial;
            this.reconnectMax = max;
            return this;
        }

        /** {@return the validated settings} */
        public RemotePolicyConfig build() {
            return new RemotePolicyConfig(endpoint, apiKey, targetFps, smoothing, smoothingAlpha, safety,
                    binaryFrames, maxInFlight, connectTimeout, reconnectInitial, reconnectMax);
        }
    }
}
