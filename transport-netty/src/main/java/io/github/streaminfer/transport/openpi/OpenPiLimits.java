package io.github.streaminfer.transport.openpi;

import io.github.streaminfer.transport.internal.http.ClientText;

import java.util.Arrays;

/**
 * What one openpi observation may cost before the server does any work for it, checked on arrival, before the
 * observation is queued: a pixel budget for each image, a byte budget for each ndarray and a cap on the msgpack
 * structure. The defaults suit policy inputs of 96 to 640 pixels a side (a camera up to 1024 × 1024 or 1280 × 720
 * still fits) and refuse the images that would stall a shared worker for a second.
 *
 * <p>An ndarray counts as an image when it has three dimensions and its first or last one is 1, 3 or 4 (the
 * {@code [H, W, C]} and {@code [C, H, W]} layouts); its pixels are the product of the other two.
 *
 * @param maxImagePixels most pixels (height × width) of one image
 * @param maxArrayBytes  most data bytes of one ndarray of any shape
 * @param maxEntries     most map entries plus array items in one observation message
 * @since 0.1.0
 */
public record OpenPiLimits(long maxImagePixels, long maxArrayBytes, int maxEntries) {

    /** 1,048,576 pixels (1024 × 1024) per image, 12 MiB per array (such an image as float32), 4096 entries. */
    public static final OpenPiLimits DEFAULT = builder().build();

    /**
     * Validates.
     *
     * @param maxImagePixels see the class description
     * @param maxArrayBytes  see the class description
     * @param maxEntries     see the class description
     */
    public OpenPiLimits {
        if (maxImagePixels < 1) {
            throw new IllegalArgumentException("maxImagePixels is " + maxImagePixels + "; allowed: >= 1");
        }
        if (maxArrayBytes < 1) {
            throw new IllegalArgumentException("maxArrayBytes is " + maxArrayBytes + "; allowed: >= 1");
        }
        if (maxEntries < 1) {
            throw new IllegalArgumentException("maxEntries is " + maxEntries + "; allowed: >= 1");
        }
    }

    /** {@return a builder with the defaults} */
    public static Builder builder() {
        return new Builder();
    }

    /** {@return a builder holding these values} */
    public Builder toBuilder() {
        return new Builder().maxImagePixels(maxImagePixels).maxArrayBytes(maxArrayBytes).maxEntries(maxEntries);
    }

    /**
     * {@return why an ndarray breaks these limits, or null if it does not}: the message names the key, the dtype, the
     * shape, the budget and the field that sets it.
     *
     * @param key   the observation key (quoted escaped, so the message is safe to log)
     * @param array the array
     */
    public String check(String key, NdArray array) {
        long[] s = array.shape();
        if (s.length == 3 && (isChannels(s[2]) || isChannels(s[0]))) {
            long pixels = isChannels(s[2]) ? Math.multiplyExact(s[0], s[1]) : Math.multiplyExact(s[1], s[2]);
            if (pixels > maxImagePixels) {
                return "image '" + ClientText.safe(key) + "' ("
                        + array.dtype() + " " + Arrays.toString(s) + ") has " + pixels
                        + " pixels; allowed: at most " + maxImagePixels + " (OpenPiLimits.maxImagePixels)";
            }
        }
        long bytes = NdArray.byteSize(array.dtype(), s);
        if (bytes > maxArrayBytes) {
            return "ndarray '" + ClientText.safe(key) + "' ("
                    + array.dtype() + " " + Arrays.toString(s) + ") has " + bytes
                    + " data bytes; allowed: at most " + maxArrayBytes + " (OpenPiLimits.maxArrayBytes)";
        }
        return null;
    }

    private static boolean isChannels(long d) {
        return d == 1 || d == 3 || d == 4;
    }

    /** Builder for {@link OpenPiLimits}. */
    public static final class Builder {
        private long maxImagePixels = 1024L * 1024;
        private long maxArrayBytes = 12L << 20;
        private int maxEntries = 4096;

        private Builder() {
        }

        /**
         * Sets the pixel budget of one image.
         *
         * @param v pixels, {@code >= 1}
         * @return this
         */
        public Builder maxImagePixels(long v) {
            this.maxImagePixels = v;
            return this;
        }

        /**
         * Sets the byte budget of one ndarray.
         *
         * @param v bytes, {@code >= 1}
         * @return this
         */
        public Builder maxArrayBytes(long v) {
            this.maxArrayBytes = v;
            return this;
        }

        /**
         * Sets the cap on map entries plus array items in one message.
         *
         * @param v entries, {@code >= 1}
         * @return this
         */
        public Builder maxEntries(int v) {
            this.maxEntries = v;
            return this;
        }

        /**
         * {@return the limits}
         *
         * @throws IllegalArgumentException naming the field, its value and what is allowed
         */
        public OpenPiLimits build() {
            return new OpenPiLimits(maxImagePixels, maxArrayBytes, maxEntries);
        }
    }
}
