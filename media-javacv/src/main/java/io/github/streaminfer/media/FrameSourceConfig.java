package io.github.streaminfer.media;

import io.github.streaminfer.image.ImageSpec;

/**
 * How a {@link FrameSource} reads and submits frames. Immutable; start from {@link #DEFAULT} or
 * {@link #builder()} and change with {@link #toBuilder()}.
 *
 * @param name            name of the producer thread and of the source in messages
 * @param fps             frames per second to submit; {@code 0} means as fast as the session accepts (files: a
 *                        refused frame is retried until accepted, so with a {@code BLOCK} or {@code REJECT_NEWEST}
 *                        ingress nothing is lost) or at the device's own rate (camera)
 * @param loop            start again at the end of a video file or image folder instead of stopping
 * @param maxFrames       stop after reading this many frames; {@code 0} for no limit
 * @param poolSize        frames in the reuse pool; must exceed the session's ingress capacity + 1 so that a
 *                        queued frame is never reused before the worker reads it
 * @param maxEncodedBytes image-folder files larger than this are skipped (counted as errors) without reading them
 * @param maxPixels       frames or images with more pixels than this are skipped (counted as errors)
 * @since 0.1.0
 */
public record FrameSourceConfig(String name, double fps, boolean loop, long maxFrames, int poolSize,
                                int maxEncodedBytes, long maxPixels) {

    /** As fast as accepted, no loop, no frame limit, a pool of 8, the default image limits. */
    public static final FrameSourceConfig DEFAULT = new FrameSourceConfig("frames", 0, false, 0, 8,
            ImageSpec.DEFAULT_MAX_ENCODED_BYTES, ImageSpec.DEFAULT_MAX_PIXELS);

    /**
     * Validates.
     *
     * @param name            see the class description
     * @param fps             see the class description
     * @param loop            see the class description
     * @param maxFrames       see the class description
     * @param poolSize        see the class description
     * @param maxEncodedBytes see the class description
     * @param maxPixels       see the class description
     */
    public FrameSourceConfig {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("name is '" + name + "'; allowed: a non-blank string");
        }
        if (!(fps >= 0) || Double.isInfinite(fps)) {
            throw new IllegalArgumentException("fps is " + fps + "; allowed: 0 (as fast as accepted) or a finite "
                    + "number > 0");
        }
        if (maxFrames < 0) {
            throw new IllegalArgumentException("maxFrames is " + maxFrames + "; allowed: 0 (no limit) or > 0");
        }
        if (poolSize < 2 || poolSize > 1024) {
            throw new IllegalArgumentException("poolSize is " + poolSize + "; allowed: 2 to 1024");
        }
        if (maxEncodedBytes < 1) {
            throw new IllegalArgumentException("maxEncodedBytes is " + maxEncodedBytes + "; allowed: >= 1");
        }
        if (maxPixels < 1) {
            throw new IllegalArgumentException("maxPixels is " + maxPixels + "; allowed: >= 1");
        }
    }

    /** {@return a builder starting from {@link #DEFAULT}} */
    public static Builder builder() {
        return DEFAULT.toBuilder();
    }

    /** {@return a builder starting from this config} */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.name = name;
        b.fps = fps;
        b.loop = loop;
        b.maxFrames = maxFrames;
        b.poolSize = poolSize;
        b.maxEncodedBytes = maxEncodedBytes;
        b.maxPixels = maxPixels;
        return b;
    }

    /** Builder for {@link FrameSourceConfig}. */
    public static final class Builder {
        private String name;
        private double fps;
        private boolean loop;
        private long maxFrames;
        private int poolSize;
        private int maxEncodedBytes;
        private long maxPixels;

        private Builder() {
        }

        /**
         * Sets {@code name}.
         *
         * @param name thread and source name
         * @return this
         */
        public Builder name(String name) {
            this.name = name;
            return this;
        }

        /**
         * Sets {@code fps}.
         *
         * @param fps frames per second, 0 for as fast as accepted
         * @return this
         */
        public Builder fps(double fps) {
            this.fps = fps;
            return this;
        }

        /**
         * Sets {@code loop}.
         *
         * @param loop restart at the end
         * @return this
         */
        public Builder loop(boolean loop) {
            this.loop = loop;
            return this;
        }

        /**
         * Sets {@code maxFrames}.
         *
         * @param maxFrames frames to read before stopping, 0 for no limit
         * @return this
         */
        public Builder maxFrames(long maxFrames) {
            this.maxFrames = maxFrames;
            return this;
        }

        /**
         * Sets {@code poolSize}.
         *
         * @param poolSize frames in the reuse pool
         * @return this
         */
        public Builder poolSize(int poolSize) {
            this.poolSize = poolSize;
            return this;
        }

        /**
         * Sets {@code maxEncodedBytes}.
         *
         * @param bytes largest image file read from a folder
         * @return this
         */
        public Builder maxEncodedBytes(int bytes) {
            this.maxEncodedBytes = bytes;
            return this;
        }

        /**
         * Sets {@code maxPixels}.
         *
         * @param pixels largest frame accepted
         * @return this
         */
        public Builder maxPixels(long pixels) {
            this.maxPixels = pixels;
            return this;
        }

        /** {@return the validated config} */
        public FrameSourceConfig build() {
            return new FrameSourceConfig(name, fps, loop, maxFrames, poolSize, maxEncodedBytes, maxPixels);
        }
    }
}
