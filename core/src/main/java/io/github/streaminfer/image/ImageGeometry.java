package io.github.streaminfer.image;

/**
 * Where the source image landed in the tensor: its original size, the scale applied and the padding added, so
 * that coordinates predicted in tensor space (detections) map back to the original image with
 * {@link #toSourceX(float)} and {@link #toSourceY(float)}. A mutable holder, reused frame after frame.
 *
 * <p><b>Note:</b> not thread-safe.
 *
 * @since 0.1.0
 */
public final class ImageGeometry {
    private int sourceWidth;
    private int sourceHeight;
    private float scaleX = 1;
    private float scaleY = 1;
    private float padX;
    private float padY;

    /**
     * Sets every field.
     *
     * @param sourceWidth  decoded width
     * @param sourceHeight decoded height
     * @param scaleX       target pixels per source pixel, horizontally
     * @param scaleY       target pixels per source pixel, vertically
     * @param padX         left padding in target pixels
     * @param padY         top padding in target pixels
     * @return this
     */
    public ImageGeometry set(int sourceWidth, int sourceHeight, float scaleX, float scaleY, float padX, float padY) {
        this.sourceWidth = sourceWidth;
        this.sourceHeight = sourceHeight;
        this.scaleX = scaleX;
        this.scaleY = scaleY;
        this.padX = padX;
        this.padY = padY;
        return this;
    }

    /**
     * Computes the geometry of fitting a source into a target.
     *
     * @param spec         the target
     * @param sourceWidth  decoded width
     * @param sourceHeight decoded height
     * @return this
     */
    public ImageGeometry fit(ImageSpec spec, int sourceWidth, int sourceHeight) {
        if (spec.resize() == ImageSpec.ResizeMode.STRETCH) {
            return set(sourceWidth, sourceHeight, spec.width() / (float) sourceWidth,
                    spec.height() / (float) sourceHeight, 0, 0);
        }
        float s = Math.min(spec.width() / (float) sourceWidth, spec.height() / (float) sourceHeight);
        int w = Math.max(1, Math.round(sourceWidth * s));
        int h = Math.max(1, Math.round(sourceHeight * s));
        return set(sourceWidth, sourceHeight, s, s, (spec.width() - w) / 2, (spec.height() - h) / 2);
    }

    /** {@return decoded width} */
    public int sourceWidth() {
        return sourceWidth;
    }

    /** {@return decoded height} */
    public int sourceHeight() {
        return sourceHeight;
    }

    /** {@return horizontal scale, target over source} */
    public float scaleX() {
        return scaleX;
    }

    /** {@return vertical scale, target over source} */
    public float scaleY() {
        return scaleY;
    }

    /** {@return left padding in target pixels} */
    public float padX() {
        return padX;
    }

    /** {@return top padding in target pixels} */
    public float padY() {
        return padY;
    }

    /** {@return width of the resized image inside the target (without padding)} */
    public int contentWidth() {
        return Math.max(1, Math.round(sourceWidth * scaleX));
    }

    /** {@return height of the resized image inside the target (without padding)} */
    public int contentHeight() {
        return Math.max(1, Math.round(sourceHeight * scaleY));
    }

    /**
     * {@return the x coordinate in source pixels, clamped to the image}
     *
     * @param tensorX an x coordinate in tensor pixels
     */
    public float toSourceX(float tensorX) {
        return Math.max(0, Math.min(sourceWidth, (tensorX - padX) / scaleX));
    }

    /**
     * {@return the y coordinate in source pixels, clamped to the image}
     *
     * @param tensorY a y coordinate in tensor pixels
     */
    public float toSourceY(float tensorY) {
        return Math.max(0, Math.min(sourceHeight, (tensorY - padY) / scaleY));
    }

    @Override
    public String toString() {
        return "ImageGeometry[source=" + sourceWidth + "x" + sourceHeight + ", scale=" + scaleX + "/" + scaleY
                + ", pad=" + padX + "," + padY + "]";
    }
}
