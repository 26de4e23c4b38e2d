package io.github.streaminfer.backend.remote;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

/**
 * Where the inference server is and how to talk to it. Immutable; build one with {@link #builder()} or start from
 * {@link #DEFAULT} (no endpoint: the backend is unavailable) with {@link #toBuilder()}.
 *
 * <p>The endpoint's scheme picks the binding and the security: {@code grpc://host:port} (gRPC, plaintext),
 * {@code grpcs://host:port} (gRPC over TLS), {@code http://host:port} and {@code https://host:port} (REST, JSON).
 *
 * @param endpoint            the server, or {@code null} when none is configured
 * @param deadline            how long one inference call may take, from sending to the whole answer
 * @param controlDeadline     how long a liveness, readiness or metadata call may take
 * @param maxInFlight         requests one loaded model may have in flight at once, {@code >= 1}; a run beyond it
 *                            fails at once instead of queueing
 * @param bearerToken         sent as {@code authorization: Bearer <token>}, or {@code null}
 * @param apiKeyHeader        header the API key is sent in, e.g. {@code x-api-key}; used when {@code apiKey} is set
 * @param apiKey              the API key, or {@code null}
 * @param trustedCertificates PEM file of the certificates to trust for TLS, or {@code null} for the JVM's defaults
 */
public record RemoteConfig(URI endpoint, Duration deadline, Duration controlDeadline, int maxInFlight,
                           String bearerToken, String apiKeyHeader, String apiKey, Path trustedCertificates) {

    /** No endpoint, 1 s per inference, 5 s per control call, 8 requests in flight, no credentials. */
    public static final RemoteConfig DEFAULT = builder().build();

    /** System property naming the endpoint of the backend that {@link java.util.ServiceLoader} creates. */
    public static final String ENDPOINT_PROPERTY = "streaminfer.remote.endpoint";
    /** System property with the bearer token of the backend that {@link java.util.ServiceLoader} creates. */
    public static final String TOKEN_PROPERTY = "streaminfer.remote.token";
    /** System property with the per-call deadline in milliseconds. */
    public static final String DEADLINE_PROPERTY = "streaminfer.remote.deadlineMs";

    /** The binding an endpoint's scheme selects. */
    public enum Protocol {
        /** gRPC ({@code grpc://} plaintext, {@code grpcs://} TLS). */
        GRPC,
        /** REST with JSON bodies ({@code http://}, {@code https://}). */
        REST
    }

    /**
     * Validates.
     *
     * @param endpoint            see the class description
     * @param deadline            see the class description
     * @param controlDeadline     see the class description
     * @param maxInFlight         see the class description
     * @param bearerToken         see the class description
     * @param apiKeyHeader        see the class description
     * @param apiKey              see the class description
     * @param trustedCertificates see the class description
     */
    public RemoteConfig {
        if (endpoint != null) {
            String scheme = endpoint.getScheme() == null ? "" : endpoint.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("grpc") && !scheme.equals("grpcs") && !scheme.equals("http")
                    && !scheme.equals("https")) {
                throw new IllegalArgumentException("endpoint scheme is '" + endpoint.getScheme()
                        + "'; allowed: grpc, grpcs, http, https");
            }
            if (endpoint.getHost() == null || endpoint.getPort() < 0) {
                throw new IllegalArgumentException("endpoint is '" + endpoint + "'; allowed: scheme://host:port");
            }
        }
        requirePositive("deadline", deadline);
        requirePositive("controlDeadline", controlDeadline);
        if (maxInFlight < 1) {
            throw new IllegalArgumentException("maxInFlight is " + maxInFlight + "; allowed: >= 1");
        }
        Objects.requireNonNull(apiKeyHeader, "apiKeyHeader");
        if (apiKeyHeader.isBlank() || !apiKeyHeader.equals(apiKeyHeader.toLowerCase(Locale.ROOT))) {
            throw new IllegalArgumentException("apiKeyHeader is '" + apiKeyHeader
                    + "'; allowed: a non-blank lower-case header name");
        }
        if (trustedCertificates != null && !isTls(endpoint)) {
            throw new IllegalArgumentException("trustedCertificates is set but endpoint is '" + endpoint
                    + "'; allowed: a grpcs:// or https:// endpoint");
        }
    }

    private static void requirePositive(String name, Duration d) {
        Objects.requireNonNull(d, name);
        if (d.isZero() || d.isNegative()) {
            throw new IllegalArgumentException(name + " is " + d + "; allowed: > 0");
        }
    }

    private static boolean isTls(URI endpoint) {
        return endpoint != null && (endpoint.getScheme().equalsIgnoreCase("grpcs")
                || endpoint.getScheme().equalsIgnoreCase("https"));
    }

    /** {@return whether an endpoint is configured} */
    public boolean hasEndpoint() {
        return endpoint != null;
    }

    /** {@return the binding the endpoint's scheme selects} Only meaningful when {@link #hasEndpoint()}. */
    public Protocol protocol() {
        String s = endpoint.getScheme().toLowerCase(Locale.ROOT);
        return s.startsWith("grpc") ? Protocol.GRPC : Protocol.REST;
    }

    /** {@return whether the endpoint uses TLS} */
    public boolean tls() {
        return isTls(endpoint);
    }

    /**
     * {@return a configuration from system properties, falling back to the environment} Reads
     * {@value #ENDPOINT_PROPERTY} (or {@code STREAMINFER_REMOTE_ENDPOINT}), {@value #TOKEN_PROPERTY} (or
     * {@code STREAMINFER_REMOTE_TOKEN}) and {@value #DEADLINE_PROPERTY}; no endpoint gives {@link #DEFAULT}.
     */
    public static RemoteConfig fromEnvironment() {
        String endpoint = setting(ENDPOINT_PROPERTY, "STREAMINFER_REMOTE_ENDPOINT");
        String token = setting(TOKEN_PROPERTY, "STREAMINFER_REMOTE_TOKEN");
        String deadline = setting(DEADLINE_PROPERTY, "STREAMINFER_REMOTE_DEADLINE_MS");
        Builder b = builder();
        if (endpoint != null) {
            b.endpoint(URI.create(endpoint.trim()));
        }
        if (token != null) {
            b.bearerToken(token.trim());
        }
        if (deadline != null) {
            try {
                b.deadline(Duration.ofMillis(Long.parseLong(deadline.trim())));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(DEADLINE_PROPERTY + " is '" + deadline
                        + "'; allowed: milliseconds > 0", e);
            }
        }
        return b.build();
    }

    private static String setting(String property, String env) {
        String v = System.getProperty(property);
        if (v == null || v.isBlank()) {
            v = System.getenv(env);
        }
        return v == null || v.isBlank() ? null : v;
    }

    /** {@return a builder with the defaults} */
    public static Builder builder() {
        return new Builder();
    }

    /** {@return a builder starting from this configuration} */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.endpoint = endpoint;
        b.deadline = deadline;
        b.controlDeadline = controlDeadline;
        b.maxInFlight = maxInFlight;
        b.bearerToken = bearerToken;
        b.apiKeyHeader = apiKeyHeader;
        b.apiKey = apiKey;
        b.trustedCertificates = trustedCertificates;
        return b;
    }

    @Override
    public String toString() {
        // never print credentials
        return "RemoteConfig[endpoint=" + endpoint + ", deadline=" + deadline + ", controlDeadline="
                + controlDeadline + ", maxInFlight=" + maxInFlight + ", bearerToken="
                + (bearerToken == null ? "none" : "set") + ", apiKey=" + (apiKey == null ? "none" : "set")
                + ", trustedCertificates=" + trustedCertificates + "]";
    }

    /** Builder for {@link RemoteConfig}. */
    public static final class Builder {
        private URI endpoint;
        private Duration deadline = Duration.ofSeconds(1);
        private Duration controlDeadline = Duration.ofSeconds(5);
        private int maxInFlight = 8;
        private String bearerToken;
        private String apiKeyHeader = "x-api-key";
        private String apiKey;
        private Path trustedCertificates;

        private Builder() {
        }

        /**
         * Sets the server.
         *
         * @param endpoint {@code grpc://}, {@code grpcs://}, {@code http://} or {@code https://host:port}
         * @return this
         */
        public Builder endpoint(URI endpoint) {
            this.endpoint = endpoint;
            return this;
        }

        /**
         * Sets the server.
         *
         * @param endpoint {@code grpc://}, {@code grpcs://}, {@code http://} or {@code https://host:port}
         * @return this
         */
        public Builder endpoint(String endpoint) {
            return endpoint(URI.create(endpoint));
        }

        /**
         * Sets how long one inference call may take.
         *
         * @param deadline {@code > 0}
         * @return this
         */
        public Builder deadline(Duration deadline) {
            this.deadline = deadline;
            return this;
        }

        /**
         * Sets how long a liveness, readiness or metadata call may take.
         *
         * @param deadline {@code > 0}
         * @return this
         */
        public Builder controlDeadline(Duration deadline) {
            this.controlDeadline = deadline;
            return this;
        }

        /**
         * Sets how many requests one loaded model may have in flight.
         *
         * @param max {@code >= 1}
         * @return this
         */
        public Builder maxInFlight(int max) {
            this.maxInFlight = max;
            return this;
        }

        /**
         * Sets the bearer token.
         *
         * @param token sent as {@code authorization: Bearer <token>}; {@code null} for none
         * @return this
         */
        public Builder bearerToken(String token) {
            this.bearerToken = token;
            return this;
        }

        /**
         * Sets an API key and the header it is sent in.
         *
         * @param header lower-case header name, e.g. {@code x-api-key}
         * @param key    the key; {@code null} for none
         * @return this
         */
        public Builder apiKey(String header, String key) {
            this.apiKeyHeader = header;
            this.apiKey = key;
            return this;
        }

        /**
         * Sets the certificates to trust for TLS.
         *
         * @param pemFile PEM file; {@code null} for the JVM's default trust
         * @return this
         */
        public Builder trustedCertificates(Path pemFile) {
            this.trustedCertificates = pemFile;
            return this;
        }

        /** {@return the validated configuration} */
        public RemoteConfig build() {
            return new RemoteConfig(endpoint, deadline, controlDeadline, maxInFlight, bearerToken, apiKeyHeader,
                    apiKey, trustedCertificates);
        }
    }
}
