package io.github.streaminfer.transport;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Who may connect: API keys with their {@link Tier}s and the allowed browser origins. Immutable; start from
 * {@link #OPEN} or {@link #builder()}.
 *
 * <p>Keys are compared in constant time ({@link MessageDigest#isEqual} over SHA-256 digests, every configured key
 * checked), so response timing does not reveal how much of a key was right. Keys never appear in messages, logs or
 * metrics; a key is identified by its index ({@code key-1}, {@code key-2}, ...).
 *
 * <p><b>Note:</b> immutable and thread-safe.
 *
 * @since 0.1.0
 */
public final class AccessPolicy {

    /** No keys (every client gets {@link Tier#OPEN}), any origin. */
    public static final AccessPolicy OPEN = builder().build();

    private final byte[][] digests;
    private final Tier[] tiers;
    private final String[] ids;
    private final Tier openTier;
    private final Set<String> allowedOrigins;
    private final boolean apiKeyInQuery;
    private final boolean publicSessionMetrics;

    private AccessPolicy(Builder b) {
        int n = b.keys.size();
        this.digests = new byte[n][];
        this.tiers = new Tier[n];
        this.ids = new String[n];
        int i = 0;
        for (Map.Entry<String, Tier> e : b.keys.entrySet()) {
            digests[i] = sha256(e.getKey());
            tiers[i] = e.getValue();
            ids[i] = "key-" + (i + 1);
            i++;
        }
        this.openTier = b.openTier;
        this.allowedOrigins = Set.copyOf(b.origins);
        this.apiKeyInQuery = b.apiKeyInQuery;
        this.publicSessionMetrics = b.publicSessionMetrics;
    }

    /** @return a builder: no keys, any origin */
    public static Builder builder() {
        return new Builder();
    }

    /** @return true if no API keys are configured (everyone is admitted with the open tier) */
    public boolean isOpen() {
        return digests.length == 0;
    }

    /** @return number of configured keys */
    public int keyCount() {
        return digests.length;
    }

    /** @return the allowed origins (empty: any) */
    public Set<String> allowedOrigins() {
        return allowedOrigins;
    }

    /**
     * {@return true if plain HTTP endpoints accept the key as the {@code api_key} query parameter}; WebSocket
     * upgrades always do (browsers cannot set headers on them). Off by default: a key in a URL ends up in access
     * logs, proxies and browser history.
     */
    public boolean apiKeyInQuery() {
        return apiKeyInQuery;
    }

    /**
     * {@return true if {@code GET /metrics} shows the per-session series (with session ids) to every client}; when
     * false (the default) only a request presenting a valid key sees them, and on a server without keys nobody.
     */
    public boolean publicSessionMetrics() {
        return publicSessionMetrics;
    }

    /**
     * {@return true if a {@code /metrics} request that presented {@code key} may see the per-session series}
     *
     * @param key the key the request presented, or null
     */
    public boolean showsSessionMetrics(String key) {
        return publicSessionMetrics || (!isOpen() && authenticate(key) != null);
    }

    /**
     * Checks a presented key.
     *
     * @param presentedKey the key the client sent, or null
     * @return the principal, or null if keys are configured and this one is missing or wrong
     */
    public Principal authenticate(String presentedKey) {
        if (isOpen()) {
            return new Principal("anonymous", openTier);
        }
        if (presentedKey == null) {
            return null;
        }
        byte[] d = sha256(presentedKey);
        int match = -1;
        for (int i = 0; i < digests.length; i++) {
            // no early exit: every key is compared, each in constant time
            if (MessageDigest.isEqual(digests[i], d) && match < 0) {
                match = i;
            }
        }
        return match < 0 ? null : new Principal(ids[match], tiers[match]);
    }

    /**
     * @param origin the request's {@code Origin} header, or null when the client is not a browser
     * @return true if allowed: no allow-list, no header, or the origin is listed
     */
    public boolean originAllowed(String origin) {
        return origin == null || allowedOrigins.isEmpty() || allowedOrigins.contains(origin);
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every Java platform", e);
        }
    }

    /**
     * An authenticated client.
     *
     * @param keyId the key's index-based id ({@code key-N}), or {@code anonymous} on an open server
     * @param tier  its tier
     */
    public record Principal(String keyId, Tier tier) {
        /**
         * @param keyId see the class description
         * @param tier  see the class description
         */
        public Principal {
            Objects.requireNonNull(keyId, "keyId");
            Objects.requireNonNull(tier, "tier");
        }
    }

    /** Builder for {@link AccessPolicy}. */
    public static final class Builder {
        private final Map<String, Tier> keys = new LinkedHashMap<>();
        private final List<String> origins = new ArrayList<>();
        private Tier openTier = Tier.OPEN;
        private boolean apiKeyInQuery;
        private boolean publicSessionMetrics;

        private Builder() {
        }

        /**
         * Lets plain HTTP endpoints accept the key as the {@code api_key} query parameter, as WebSocket upgrades
         * always do.
         *
         * @param accept true to accept it (default false)
         * @return this
         */
        public Builder apiKeyInQuery(boolean accept) {
            this.apiKeyInQuery = accept;
            return this;
        }

        /**
         * Shows {@code GET /metrics}'s per-session series (session ids, key ids) to every client, not only to a
         * request with a valid key.
         *
         * @param show true to show them to everyone (default false)
         * @return this
         */
        public Builder publicSessionMetrics(boolean show) {
            this.publicSessionMetrics = show;
            return this;
        }

        /**
         * @param key  an API key (at least 8 characters)
         * @param tier what it may do
         * @return this
         */
        public Builder apiKey(String key, Tier tier) {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(tier, "tier");
            if (key.length() < 8) {
                throw new IllegalArgumentException("API key of length " + key.length()
                        + " is too short; allowed: at least 8 characters");
            }
            if (keys.putIfAbsent(key, tier) != null) {
                throw new IllegalArgumentException("API key configured twice (keys must be unique)");
            }
            return this;
        }

        /**
         * @param tier the tier of everyone when no key is configured (default {@link Tier#OPEN})
         * @return this
         */
        public Builder openTier(Tier tier) {
            this.openTier = Objects.requireNonNull(tier, "tier");
            return this;
        }

        /**
         * @param origin an allowed {@code Origin}, e.g. {@code https://app.example.com}; once any is given, browser
         *               requests from other origins get 403
         * @return this
         */
        public Builder allowOrigin(String origin) {
            Objects.requireNonNull(origin, "origin");
            if (origin.isBlank() || origin.endsWith("/")) {
                throw new IllegalArgumentException("origin '" + origin
                        + "' is invalid; allowed: scheme://host[:port] without a trailing slash");
            }
            origins.add(origin);
            return this;
        }

        /** @return the policy */
        public AccessPolicy build() {
            return new AccessPolicy(this);
        }
    }
}
