package io.github.streaminfer.samples.face;

/**
 * How {@link BlazeFaceDecoder} turns BlazeFace's raw outputs into faces. Immutable; start from {@link #DEFAULT} or
 * {@link #builder()} and change with {@link #toBuilder()}.
 *
 * @param scoreThreshold faces whose sigmoid score is below this are dropped, in [0, 1] (MediaPipe's front model uses
 *                       0.75; the default here is 0.5 so the transport's {@code confidence_threshold} decides)
 * @param iouThreshold   a face overlapping a better one by more than this intersection over union is suppressed,
 *                       in [0, 1] (MediaPipe: 0.3)
 * @param maxDetections  most faces reported per frame, 1 to 896
 * @param scoreClip      raw logits are clipped to {@code [-scoreClip, scoreClip]} before the sigmoid (MediaPipe: 100)
 */
public record BlazeFaceConfig(float scoreThreshold, float iouThreshold, int maxDetections, float scoreClip) {

    /** Score 0.5, IoU 0.3, 16 faces, logits clipped at 100. */
    public static final BlazeFaceConfig DEFAULT = new BlazeFaceConfig(0.5f, 0.3f, 16, 100f);

    /**
     * Validates.
     *
     * @param scoreThreshold see the class description
     * @param iouThreshold   see the class description
     * @param maxDetections  see the class description
     * @param scoreClip      see the class description
     */
    public BlazeFaceConfig {
        if (!(scoreThreshold >= 0 && scoreThreshold <= 1)) {
            throw new IllegalArgumentException("scoreThreshold is " + scoreThreshold + "; allowed: 0 to 1");
        }
        if (!(iouThreshold >= 0 && iouThreshold <= 1)) {
            throw new IllegalArgumentException("iouThreshold is " + iouThreshold + "; allowed: 0 to 1");
        }
        if (maxDetections < 1 || maxDetections > 896) {
            throw new IllegalArgumentException("maxDetections is " + maxDetections + "; allowed: 1 to 896");
        }
        if (!(scoreClip > 0)) {
            throw new IllegalArgumentException("scoreClip is " + scoreClip + "; allowed: > 0");
        }
    }

    /** {@return a builder starting from {@link #DEFAULT}} */
    public static Builder builder() {
        return DEFAULT.toBuilder();
    }

    /** {@return a builder starting from this configuration} */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /**
     * Builds a {@link BlazeFaceConfig}.
     *
     * <p><b>Note:</b> not thread-safe.
     */
    public static final class Builder {
        private float scoreThreshold;
        private float iouThreshold;
        private int maxDetections;
        private float scoreClip;

        private Builder(BlazeFaceConfig from) {
            scoreThreshold = from.scoreThreshold;
            iouThreshold = from.iouThreshold;
            maxDetections = from.maxDetections;
            scoreClip = from.scoreClip;
        }

        /**
         * Sets the score threshold.
         *
         * @param threshold in [0, 1]
         * @return this builder
         */
        public Builder scoreThreshold(float threshold) {
            this.scoreThreshold = threshold;
            return this;
        }

        /**
         * Sets the NMS overlap threshold.
         *
         * @param threshold in [0, 1]
         * @return this builder
         */
        public Builder iouThreshold(float threshold) {
            this.iouThreshold = threshold;
            return this;
        }

        /**
         * Sets the most faces per frame.
         *
         * @param max 1 to 896
         * @return this builder
         */
        public Builder maxDetections(int max) {
            this.maxDetections = max;
            return this;
        }

        /**
         * Sets the logit clip.
         *
         * @param clip {@code > 0}
         * @return this builder
         */
        public Builder scoreClip(float clip) {
            this.scoreClip = clip;
            return this;
        }

        /** {@return the validated configuration} */
        public BlazeFaceConfig build() {
            return new BlazeFaceConfig(scoreThreshold, iouThreshold, maxDetections, scoreClip);
        }
    }
}
