package io.github.streaminfer.task;

import io.github.streaminfer.image.ImageGeometry;

/**
 * Non-maximum suppression of {@link DetectionTask}: collects a frame's candidate boxes, sorts them by descending
 * score and keeps each box that overlaps no better kept box (of the same class, unless class-agnostic) by more than
 * the IoU threshold. Candidate arrays grow once to the model's candidate count and are reused.
 *
 * <p><b>Note:</b> one instance per task; called only from its session's worker; allocation-free once grown.
 */
final class NonMaxSuppression {
    private float[] x1 = new float[0];
    private float[] y1 = new float[0];
    private float[] x2 = new float[0];
    private float[] y2 = new float[0];
    private float[] score = new float[0];
    private int[] classId = new int[0];
    private int[] order = new int[0];
    private int candidates;
    private int kept;

    /**
     * Makes room for {@code n} candidates (allocates only when it grows).
     *
     * @param n candidates per frame
     */
    void ensureCapacity(int n) {
        if (score.length >= n) {
            return;
        }
        x1 = new float[n];
        y1 = new float[n];
        x2 = new float[n];
        y2 = new float[n];
        score = new float[n];
        classId = new int[n];
        order = new int[n];
    }

    /** Starts a new frame: forgets the previous frame's candidates. */
    void clear() {
        candidates = 0;
        kept = 0;
    }

    /**
     * Adds a candidate box in model-input pixels; at most the capacity of {@link #ensureCapacity}.
     *
     * @param bx1 left
     * @param by1 top
     * @param bx2 right
     * @param by2 bottom
     * @param s   score
     * @param cls class id
     */
    void add(float bx1, float by1, float bx2, float by2, float s, int cls) {
        int k = candidates++;
        x1[k] = bx1;
        y1[k] = by1;
        x2[k] = bx2;
        y2[k] = by2;
        score[k] = s;
        classId[k] = cls;
        order[k] = k;
    }

    /**
     * Suppresses overlapping candidates, best first.
     *
     * @param iouThreshold  a box overlapping a better kept one by more than this IoU is dropped
     * @param classAgnostic true to compare boxes of different classes too
     * @param max           most boxes kept
     * @return the number of boxes kept
     */
    int suppress(float iouThreshold, boolean classAgnostic, int max) {
        sortByScore(candidates);
        int out = 0;
        for (int r = 0; r < candidates && out < max; r++) {
            int i = order[r];
            boolean suppressed = false;
            for (int k = 0; k < out; k++) {
                int j = order[k];
                if ((classAgnostic || classId[i] == classId[j])
                        && iou(x1[i], y1[i], x2[i], y2[i], x1[j], y1[j], x2[j], y2[j]) > iouThreshold) {
                    suppressed = true;
                    break;
                }
            }
            if (!suppressed) {
                order[out++] = i; // kept boxes move to the front; r >= out so nothing unread is overwritten
            }
        }
        kept = out;
        return out;
    }

    /**
     * Writes the kept boxes, best first, into {@code into} in source-image pixels, with track id 0.
     *
     * @param geometry where the image landed in the model input
     * @param into     the frame's detections
     */
    void writeTo(ImageGeometry geometry, Detections into) {
        into.count = kept;
        into.sourceWidth = geometry.sourceWidth();
        into.sourceHeight = geometry.sourceHeight();
        for (int k = 0; k < kept; k++) {
            int i = order[k];
            into.x1[k] = geometry.toSourceX(x1[i]);
            into.y1[k] = geometry.toSourceY(y1[i]);
            into.x2[k] = geometry.toSourceX(x2[i]);
            into.y2[k] = geometry.toSourceY(y2[i]);
            into.score[k] = score[i];
            into.classId[k] = classId[i];
            into.trackId[k] = 0;
        }
    }

    /** Sorts {@code order[0..n)} by descending score: insertion sort for small n, heap sort otherwise. */
    private void sortByScore(int n) {
        if (n < 64) {
            for (int i = 1; i < n; i++) {
                int v = order[i];
                int j = i - 1;
                while (j >= 0 && score[order[j]] < score[v]) {
                    order[j + 1] = order[j];
                    j--;
                }
                order[j + 1] = v;
            }
            return;
        }
        // heap sort with a min-heap at the root gives descending order
        for (int i = n / 2 - 1; i >= 0; i--) {
            sift(i, n);
        }
        for (int end = n - 1; end > 0; end--) {
            int tmp = order[0];
            order[0] = order[end];
            order[end] = tmp;
            sift(0, end);
        }
    }

    private void sift(int i, int n) {
        while (true) {
            int l = 2 * i + 1;
            if (l >= n) {
                return;
            }
            int m = l;
            if (l + 1 < n && score[order[l + 1]] < score[order[l]]) {
                m = l + 1;
            }
            if (score[order[m]] >= score[order[i]]) {
                return;
            }
            int tmp = order[i];
            order[i] = order[m];
            order[m] = tmp;
            i = m;
        }
    }

    /**
     * {@return the intersection over union of two boxes given by their corners; 0 when they do not overlap}
     *
     * @param ax1 first box, left
     * @param ay1 first box, top
     * @param ax2 first box, right
     * @param ay2 first box, bottom
     * @param bx1 second box, left
     * @param by1 second box, top
     * @param bx2 second box, right
     * @param by2 second box, bottom
     */
    static float iou(float ax1, float ay1, float ax2, float ay2, float bx1, float by1, float bx2, float by2) {
        float iw = Math.min(ax2, bx2) - Math.max(ax1, bx1);
        float ih = Math.min(ay2, by2) - Math.max(ay1, by1);
        if (iw <= 0 || ih <= 0) {
            return 0;
        }
        float inter = iw * ih;
        float union = (ax2 - ax1) * (ay2 - ay1) + (bx2 - bx1) * (by2 - by1) - inter;
        return union <= 0 ? 0 : inter / union;
    }
}
