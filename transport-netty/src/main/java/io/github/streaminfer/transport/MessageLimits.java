package io.github.streaminfer.transport;

import java.time.Duration;
import java.util.Objects;

/**
 * What one message may cost the server, checked on the event loop before the work it asks for: how large a message
 * may be before its sender is authenticated, how many JSON tokens any message may hold, the pixel and byte budgets of
 * an encoded image, and how much of a pause the frame-rate limit forgives. Immutable; start from {@link #DEFAULT}
 * and change with {@link #toBuilder()}. {@link ServerLimits} holds the connection-level limits.
 *
 * @param maxAuthMessageBytes   largest message a VLA client may send before its {@code auth} is accepted; a larger
 *                              one is refused unparsed with {@code auth_too_large} and close 1009
 * @param maxJsonTokens         most JSON tokens (names, values, brackets) in one JSON message or request body; more
 *                              is refused with {@code too_complex} when the parser reaches the limit, so the work
 *                              per message is bounded whatever its byte size
 * @param maxPolicyImagePixels  pixel budget (width × height from the header) of one image sent to a policy endpoint
 *                              (VLA); the model's input is 96 to 640 pixels a side, so a larger image only costs
 *                              decode time
 * @param maxImageBytes         byte budget of one encoded image (JPEG or PNG) on any endpoint
 * @param rateCatchUp           longest pause in a connection's frames whose frame-rate allowance is credited back
 *                              (see {@code PROTOCOL.md}, "Tiers"): frames that waited in TCP while the server was
 *                              stalled are not charged as a burst
 * @param parseOffLoopBytes     a VLA text message at least this large (after authentication) is parsed, and its
 *                              image decoded from base64, on the server's parse threads instead of the event loop,
 *                              which meanwhile serves the other connections; the connection reads nothing more until
 *                              it is done, so its messages keep their order
 * @since 0.1.0
 */
public record MessageLimits(int maxAuthMessageBytes, int maxJsonTokens, long maxPolicyImagePixels, int maxImageBytes,
                            Duration rateCatchUp, int parseOffLoopBytes) {

    /**
     * 4 KiB auth, 16,384 JSON tokens, 1920 × 1080 policy images, 8 MiB per image, 5 s catch-up, messages from 1 MiB
     * parsed off the event loop.
     */
    public static final MessageLimits DEFAULT = builder().build();

    /**
     * Validates.
     *
     * @param maxAuthMessageBytes  see the class description
     * @param maxJsonTokens        see the class description
     * @param maxPolicyImagePixels see the class description
     * @param maxImageBytes        see the class description
     * @param rateCatchUp          see the class description
     * @param parseOffLoopBytes    see the class description
     */
    public MessageLimits {
        atLeast("maxAuthMessageBytes", maxAuthMessageBytes, 256);
        atLeast("maxJsonTokens", maxJsonTokens, 64);
        atLeast("maxPolicyImagePixels", maxPolicyImagePixels, 1);
        atLeast("maxImageBytes", maxImageBytes, 1);
        Objects.requireNonNull(rateCatchUp, "rateCatchUp");
        if (rateCatchUp.isNegative()) {
            throw new IllegalArgumentException("rateCatchUp is " + rateCatchUp + "; allowed: >= 0");
        }
        atLeast("parseOffLoopBytes", parseOffLoopBytes, 1);
    }

    private static void atLeast(String field, long v, long min) {
        if (v < min) {
            throw new IllegalArgumentException(field + " is " + v + "; allowed: >= " + min);
        }
    }

    /** {@return a builder with the defaults} */
    public static Builder builder() {
        return new Builder();
    }

    /** {@return a builder starting from these limits} */
    public Builder toBuilder() {
        return new Builder().maxAuthMessageBytes(maxAuthMessageBytes).maxJsonTokens(maxJsonTokens)
                .maxPolicyImagePixels(maxPolicyImagePixels).maxImageBytes(maxImageBytes).rateCatchUp(rateCatchUp)
                .parseOffLoopBytes(parseOffLoopBytes);
    }

    /** Builder for {@link MessageLimits}; {@link #build()} validates. */
    public static final class Builder {
        private int maxAuthMessageBytes = 4096;
        private int maxJsonTokens = 16_384;
        private long maxPolicyImagePixels = 1920L * 1080;
        private int maxImageBytes = 8 << 20;
        private Duration rateCatchUp = Duration.ofSeconds(5);
        private int parseOffLoopBytes = 1 << 20;

        private Builder() {
        }

        /**
         * Sets the largest message before authentication.
         *
         * @param v bytes, {@code >= 256}
         * @return this
         */
        public Builder maxAuthMessageBytes(int v) {
            this.maxAuthMessageBytes = v;
            return this;
        }

        /**
         * Sets the most JSON tokens in one message.
         *
         * @param v tokens, {@code >= 64}
         * @return this
         */
        public Builder maxJsonTokens(int v) {
            this.maxJsonTokens = v;
            return this;
        }

        /**
         * Sets the pixel budget of an image sent to a policy endpoint.
         *
         * @param v pixels, {@code >= 1}
         * @return this
         */
        public Builder maxPolicyImagePixels(long v) {
            this.maxPolicyImagePixels = v;
            return this;
        }

        /**
         * Sets the byte budget of one encoded image.
         *
         * @param v bytes, {@code >= 1}
         * @return this
         */
        public Builder maxImageBytes(int v) {
            this.maxImageBytes = v;
            return this;
        }

        /**
         * Sets the longest pause whose frame-rate allowance is credited back.
         *
         * @param v a duration, {@code >= 0} ({@code 0}: a plain token bucket)
         * @return this
         */
        public Builder rateCatchUp(Duration v) {
            this.rateCatchUp = v;
            return this;
        }

        /**
         * Sets the size from which a VLA text message is parsed off the event loop.
         *
         * @param v bytes, {@code >= 1}
         * @return this
         */
        public Builder parseOffLoopBytes(int v) {
            this.parseOffLoopBytes = v;
            return this;
        }

        /**
         * {@return the limits}
         *
         * @throws IllegalArgumentException naming the field, its value and what is allowed
         */
        public MessageLimits build() {
            return new MessageLimits(maxAuthMessageBytes, maxJsonTokens, maxPolicyImagePixels, maxImageBytes,
                    rateCatchUp, parseOffLoopBytes);
        }
    }
}
