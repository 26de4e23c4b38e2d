package io.github.streaminfer.image;

import io.github.streaminfer.tensor.DType;

import java.util.Arrays;
import java.util.Objects;

/**
 * What an image must become before a model sees it: size, resize mode, channel order, layout, element type and
 * normalisation, plus the limits checked before decoding untrusted bytes. Immutable; start from
 * {@link #builder(int, int)} and change with {@link #toBuilder()}.
 *
 * <p>For float output each channel value {@code v} in [0, 255] becomes {@code (v * scale - mean[c]) / std[c]};
 * the defaults ({@code scale = 1/255}, mean 0, std 1) give [0, 1]. For {@link DType#UINT8} output the raw value is
 * written.
 *
 * @param width           target width in pixels
 * @param height          target height in pixels
 * @param resize          how the source is fitted to the target
 * @param padColor        RGB pad colour for letterboxing, 0xRRGGBB
 * @param channelOrder    channel order written to the tensor
 * @param layout          NCHW or NHWC
 * @param dtype           {@link DType#FLOAT32} or {@link DType#UINT8}
 * @param scale           multiplier applied to 0..255 values before mean/std
 * @param mean            per-channel mean (in channel order), length 3
 * @param std             per-channel standard deviation (in channel order), length 3, all {@code > 0}
 * @param maxEncodedBytes encoded images larger than this are refused before decoding
 * @param maxPixels       images whose header claims more pixels than this are refused before decoding
 * @since 0.1.0
 */
public record ImageSpec(int width, int height, ResizeMode resize, int padColor, ChannelOrder channelOrder,
                        Layout layout, DType dtype, float scale, float[] mean, float[] std, int maxEncodedBytes,
                        long maxPixels) {

    /** How a source image is fitted to the target size. */
    public enum ResizeMode {
        /** Scale each axis independently to the target size (aspect ratio not kept). */
        STRETCH,
        /** Scale uniformly to fit inside the target, centre, pad the rest with {@code padColor}. */
        LETTERBOX
    }

    /** Channel order in the tensor. */
    public enum ChannelOrder {
        /** Red, green, blue (most PyTorch-trained models). */
        RGB,
        /** Blue, green, red (OpenCV-trained models). */
        BGR
    }

    /** Tensor layout of one image. */
    public enum Layout {
        /** Channels first: [N, 3, H, W]. */
        NCHW,
        /** Channels last: [N, H, W, 3]. */
        NHWC
    }

    /** 16 MiB: larger encoded frames are refused by default. */
    public static final int DEFAULT_MAX_ENCODED_BYTES = 16 << 20;
    /** 40 megapixels (e.g. 8000 × 5000): larger images are refused by default. */
    public static final long DEFAULT_MAX_PIXELS = 40_000_000L;

    /**
     * Validates and copies.
     *
     * @param width           see the class description
     * @param height          see the class description
     * @param resize          see the class description
     * @param padColor        see the class description
     * @param channelOrder    see the class description
     * @param layout          see the class description
     * @param dtype           see the class description
     * @param scale           see the class description
     * @param mean            see the class description
     * @param std             see the class description
     * @param maxEncodedBytes see the class description
     * @param maxPixels       see the class description
     */
    public ImageSpec {
        Objects.requireNonNull(resize, "resize");
        Objects.requireNonNull(channelOrder, "channelOrder");
        Objects.requireNonNull(layout, "layout");
        Objects.requireNonNull(dtype, "dtype");
        if (width < 1 || height < 1 || (long) width * height > (1L << 28)) {
            throw new IllegalArgumentException("target size " + width + "x" + height
                    + " is invalid; allowed: width, height >= 1 and at most 2^28 pixels");
        }
        if (dtype != DType.FLOAT32 && dtype != DType.UINT8) {
            throw new IllegalArgumentException("dtype is " + dtype + "; allowed: FLOAT32, UINT8");
        }
        if (!Float.isFinite(scale) || scale == 0) {
            throw new IllegalArgumentException("scale is " + scale + "; allowed: a finite non-zero number");
        }
        mean = mean.clone();
        std = std.clone();
        if (mean.length != 3 || std.length != 3) {
            throw new IllegalArgumentException("mean and std need 3 values each, got " + mean.length + " and "
                    + std.length);
        }
        for (int c = 0; c < 3; c++) {
            if (!Float.isFinite(mean[c]) || !Float.isFinite(std[c]) || std[c] <= 0) {
                throw new IllegalArgumentException("channel " + c + ": mean " + mean[c] + ", std " + std[c]
                        + "; allowed: finite mean, finite std > 0");
            }
        }
        if (maxEncodedBytes < 1) {
            throw new IllegalArgumentException("maxEncodedBytes is " + maxEncodedBytes + "; allowed: >= 1");
        }
        if (maxPixels < 1) {
            throw new IllegalArgumentException("maxPixels is " + maxPixels + "; allowed: >= 1");
        }
    }

    /**
     * {@return a builder: stretch, RGB, NCHW, float32 in [0, 1], default limits}
     *
     * @param width  target width
     * @param height target height
     */
    public static Builder builder(int width, int height) {
        return new Builder(width, height);
    }

    /** {@return a builder starting from this spec} */
    public Builder toBuilder() {
        Builder b = new Builder(width, height);
        b.resize = resize;
        b.padColor = padColor;
        b.channelOrder = channelOrder;
        b.layout = layout;
        b.dtype = dtype;
        b.scale = scale;
        b.mean = mean.clone();
        b.std = std.clone();
        b.maxEncodedBytes = maxEncodedBytes;
        b.maxPixels = maxPixels;
        return b;
    }

    /** {@return the channel means (a copy)} */
    @Override
    public float[] mean() {
        return mean.clone();
    }

    /** {@return the channel standard deviations (a copy)} */
    @Override
    public float[] std() {
        return std.clone();
    }

    /**
     * {@return the mean of that channel, without copying}
     *
     * @param c channel index in tensor order
     */
    public float meanOf(int c) {
        return mean[c];
    }

    /**
     * {@return the standard deviation of that channel, without copying}
     *
     * @param c channel index in tensor order
     */
    public float stdOf(int c) {
        return std[c];
    }

    /** {@return elements one image occupies in the tensor: 3 × width × height} */
    public long elementsPerImage() {
        return 3L * width * height;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ImageSpec s && width == s.width && height == s.height && resize == s.resize
                && padColor == s.padColor && channelOrder == s.channelOrder && layout == s.layout && dtype == s.dtype
                && Float.compare(scale, s.scale) == 0 && Arrays.equals(mean, s.mean) && Arrays.equals(std, s.std)
                && maxEncodedBytes == s.maxEncodedBytes && maxPixels == s.maxPixels;
    }

    @Override
    public int hashCode() {
        return Objects.hash(width, height, resize, padColor, channelOrder, layout, dtype, scale,
                Arrays.hashCode(mean), Arrays.hashCode(std), maxEncodedBytes, maxPixels);
    }

    @Override
    public String toString() {
        return "ImageSpec[" + width + "x" + height + " " + resize + " " + channelOrder + " " + layout + " " + dtype
                + " scale=" + scale + " mean=" + Arrays.toString(mean) + " std=" + Arrays.toString(std) + "]";
    }

    /** Builder for {@link ImageSpec}. */
    public static final class Builder {
        private final int width;
        private final int height;
        private ResizeMode resize = ResizeMode.STRETCH;
        private int padColor = 0x727272;
        private ChannelOrder channelOrder = ChannelOrder.RGB;
        private Layout layout = Layout.NCHW;
        private DType dtype = DType.FLOAT32;
        private float scale = 1f / 255f;
        private float[] mean = {0, 0, 0};
        private float[] std = {1, 1, 1};
        private int maxEncodedBytes = DEFAULT_MAX_ENCODED_BYTES;
        private long maxPixels = DEFAULT_MAX_PIXELS;

        private Builder(int width, int height) {
            this.width = width;
            this.height = height;
        }

        /**
         * Sets {@code resize}.
         *
         * @param resize stretch or letterbox
         * @return this
         */
        public Builder resize(ResizeMode resize) {
            this.resize = resize;
            return this;
        }

        /**
         * Sets {@code padColor}.
         *
         * @param rgb pad colour 0xRRGGBB for letterboxing (default 0x727272, YOLO's grey 114)
         * @return this
         */
        public Builder padColor(int rgb) {
            this.padColor = rgb & 0xFFFFFF;
            return this;
        }

        /**
         * Sets {@code channelOrder}.
         *
         * @param order channel order in the tensor
         * @return this
         */
        public Builder channelOrder(ChannelOrder order) {
            this.channelOrder = order;
            return this;
        }

        /**
         * Sets {@code layout}.
         *
         * @param layout NCHW or NHWC
         * @return this
         */
        public Builder layout(Layout layout) {
            this.layout = layout;
            return this;
        }

        /**
         * Sets {@code dtype}.
         *
         * @param dtype FLOAT32 or UINT8
         * @return this
         */
        public Builder dtype(DType dtype) {
            this.dtype = dtype;
            return this;
        }

        /**
         * Sets {@code scale}.
         *
         * @param scale multiplier for 0..255 values (default 1/255)
         * @return this
         */
        public Builder scale(float scale) {
            this.scale = scale;
            return this;
        }

        /**
         * Sets {@code normalize}.
         *
         * @param mean per-channel mean in tensor channel order, after scaling
         * @param std  per-channel standard deviation in tensor channel order, after scaling
         * @return this
         */
        public Builder normalize(float[] mean, float[] std) {
            this.mean = mean.clone();
            this.std = std.clone();
            return this;
        }

        /**
         * Sets {@code maxEncodedBytes}.
         *
         * @param bytes largest encoded image accepted
         * @return this
         */
        public Builder maxEncodedBytes(int bytes) {
            this.maxEncodedBytes = bytes;
            return this;
        }

        /**
         * Sets {@code maxPixels}.
         *
         * @param pixels largest decoded image (width × height) accepted
         * @return this
         */
        public Builder maxPixels(long pixels) {
            this.maxPixels = pixels;
            return this;
        }

        /** {@return the validated spec} */
        public ImageSpec build() {
            return new ImageSpec(width, height, resize, padColor, channelOrder, layout, dtype, scale, mean, std,
                    maxEncodedBytes, maxPixels);
        }
    }
}
