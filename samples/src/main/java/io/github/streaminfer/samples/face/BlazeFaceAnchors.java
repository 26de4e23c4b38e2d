package io.github.streaminfer.samples.face;

/**
 * The anchor centres of MediaPipe's SSD anchor scheme with a fixed anchor size, as BlazeFace uses it: for each
 * layer's stride, a feature map of {@code ceil(inputSize / stride)} cells; consecutive layers with the same stride
 * share one map; each layer puts {@code anchorsPerLayer} anchors on every cell (one per aspect ratio, plus the
 * interpolated scale), all centred at {@code ((x + offset) / cells, (y + offset) / cells)}. Anchors are ordered map by
 * map, then row, column, anchor. With a fixed anchor size every anchor is 1 × 1, so only centres matter.
 *
 * <p>The short-range front model (128 × 128) uses strides {@code 8, 16, 16, 16} with two anchors per layer: 16 × 16 ×
 * 2 = 512 anchors, then 8 × 8 × 6 = 384, 896 in all.
 *
 * <p><b>Note:</b> stateless; the returned arrays are the caller's.
 */
public final class BlazeFaceAnchors {
    /** Strides of the short-range (front camera) BlazeFace model. */
    private static final int[] FRONT_STRIDES = {8, 16, 16, 16};

    private BlazeFaceAnchors() {
    }

    /** {@return the 896 anchor centres of the 128 × 128 front model, {@code [x0, y0, x1, y1, ...]} in [0, 1]} */
    public static float[] front128() {
        return centres(128, FRONT_STRIDES, 2, 0.5f);
    }

    /**
     * Generates anchor centres.
     *
     * @param inputSize       the model's square input side, in pixels
     * @param strides         each layer's stride
     * @param anchorsPerLayer anchors each layer puts on a cell
     * @param offset          the centre's offset within a cell, usually 0.5
     * @return the centres, {@code [x0, y0, x1, y1, ...]} in [0, 1]
     */
    public static float[] centres(int inputSize, int[] strides, int anchorsPerLayer, float offset) {
        if (inputSize < 1 || anchorsPerLayer < 1 || strides.length == 0) {
            throw new IllegalArgumentException("inputSize is " + inputSize + ", anchorsPerLayer " + anchorsPerLayer
                    + ", " + strides.length + " strides; allowed: >= 1 each");
        }
        int total = 0;
        for (int layer = 0; layer < strides.length; ) {
            int same = sameStride(strides, layer);
            int cells = cells(inputSize, strides[layer]);
            total += cells * cells * same * anchorsPerLayer;
            layer += same;
        }
        float[] out = new float[total * 2];
        int k = 0;
        for (int layer = 0; layer < strides.length; ) {
            int same = sameStride(strides, layer);
            int cells = cells(inputSize, strides[layer]);
            int perCell = same * anchorsPerLayer;
            for (int y = 0; y < cells; y++) {
                for (int x = 0; x < cells; x++) {
                    for (int a = 0; a < perCell; a++) {
                        out[k++] = (x + offset) / cells;
                        out[k++] = (y + offset) / cells;
                    }
                }
            }
            layer += same;
        }
        return out;
    }

    private static int sameStride(int[] strides, int from) {
        int n = 1;
        while (from + n < strides.length && strides[from + n] == strides[from]) {
            n++;
        }
        return n;
    }

    private static int cells(int inputSize, int stride) {
        if (stride < 1) {
            throw new IllegalArgumentException("stride is " + stride + "; allowed: >= 1");
        }
        return (inputSize + stride - 1) / stride;
    }
}
