package io.github.streaminfer.media;

/**
 * How an {@link OpenCvImageDecoder} trades exactness for speed, and how it hands encoded bytes to OpenCV.
 * Immutable; start from {@link #DEFAULT} or {@link #builder()} and change with {@link #toBuilder()}.
 *
 * @param reducedJpegDecode decode a JPEG at 1/2, 1/4 or 1/8 of its size when the target is that much smaller
 *                          (libjpeg's scaled inverse DCT, OpenCV's {@code IMREAD_REDUCED_COLOR_*}), then fit the
 *                          reduced image. The reduction {@code r} is the largest of 2, 4 and 8 that divides both
 *                          sides of the image and leaves it at least as large as the area it fills in the target
 *                          (the letterboxed content, or the whole target when stretching), so the reduced image is
 *                          never enlarged again; 1 (exact decoding) when none does. The scaled IDCT averages each
 *                          {@code r × r} block, an area-like downscale, so small targets come out smoother (less
 *                          aliased) than the exact path, whose bilinear resize reads only 2 × 2 source pixels per
 *                          target pixel; the price is that the tensor no longer matches the pure-Java decoder to a
 *                          grey level (see the module README for the measured difference). The reported
 *                          {@link io.github.streaminfer.image.ImageGeometry} is that of the full-size image either
 *                          way. PNG is always decoded exactly. {@code false} decodes every image at full size.
 * @param scratchFileDecode write each encoded frame to a private file in a memory file system ({@code /dev/shm},
 *                          unlinked at once and reached through {@code /proc/self/fd}) and decode it with
 *                          {@code cv::imread} into a buffer the decoder owns, so that decoding allocates nothing on
 *                          the Java heap. {@code cv::imdecode}, which reads the bytes in place, is the only in-memory
 *                          decode OpenCV offers, and JavaCPP's binding returns its result {@code Mat} by value: a
 *                          {@code Mat} object, its deallocator and a reference counter (144 bytes) per frame,
 *                          registered under JavaCPP's global lock. The scratch file costs one copy of the encoded
 *                          bytes, and OpenCV reads it back through libjpeg's small stdio buffer, which keeps the
 *                          Huffman decoder off its fast path: JPEG decoding takes up to about 10 % longer than
 *                          with {@code cv::imdecode}. Where the file cannot be made (not Linux, no
 *                          {@code /dev/shm} or {@code /proc}), or a write fails, the decoder uses
 *                          {@code cv::imdecode}; {@link OpenCvImageDecoder#scratchFileInUse()} tells which.
 *                          {@code false} always uses {@code cv::imdecode}.
 * @since 0.1.0
 */
public record OpenCvDecoderConfig(boolean reducedJpegDecode, boolean scratchFileDecode) {

    /** Reduced JPEG decoding on, encoded frames decoded through a scratch file where the platform has one. */
    public static final OpenCvDecoderConfig DEFAULT = new OpenCvDecoderConfig(true, true);

    /**
     * Every image decoded at full size: the same tensor as the pure-Java decoder, within one grey level. Otherwise
     * as {@link #DEFAULT}.
     */
    public static final OpenCvDecoderConfig EXACT = new OpenCvDecoderConfig(false, true);

    /** {@return a builder starting from {@link #DEFAULT}} */
    public static Builder builder() {
        return DEFAULT.toBuilder();
    }

    /** {@return a builder starting from this config} */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.reducedJpegDecode = reducedJpegDecode;
        b.scratchFileDecode = scratchFileDecode;
        return b;
    }

    /** Builder for {@link OpenCvDecoderConfig}. */
    public static final class Builder {
        private boolean reducedJpegDecode;
        private boolean scratchFileDecode;

        private Builder() {
        }

        /**
         * Sets {@code reducedJpegDecode}.
         *
         * @param on see {@link OpenCvDecoderConfig#reducedJpegDecode()}
         * @return this
         */
        public Builder reducedJpegDecode(boolean on) {
            this.reducedJpegDecode = on;
            return this;
        }

        /**
         * Sets {@code scratchFileDecode}.
         *
         * @param on see {@link OpenCvDecoderConfig#scratchFileDecode()}
         * @return this
         */
        public Builder scratchFileDecode(boolean on) {
            this.scratchFileDecode = on;
            return this;
        }

        /** {@return the config} */
        public OpenCvDecoderConfig build() {
            return new OpenCvDecoderConfig(reducedJpegDecode, scratchFileDecode);
        }
    }
}
