package io.github.streaminfer.samples.face;

/**
 * The faces found in one frame, best score first: a box in source-image pixels ({@code x1, y1} top-left,
 * {@code x2, y2} bottom-right), a score, and BlazeFace's six keypoints (right eye, left eye, nose tip, mouth centre,
 * right ear tragion, left ear tragion, as seen by the person), also in source pixels. A reusable holder of parallel
 * arrays filled in place by {@link BlazeFaceDecoder}.
 *
 * <p><b>Note:</b> not thread-safe; read-only once its result is published.
 */
public final class FaceDetections {
    /** Keypoints per face. */
    public static final int KEYPOINTS = 6;

    final float[] x1;
    final float[] y1;
    final float[] x2;
    final float[] y2;
    final float[] score;
    final float[] keypoints;
    int count;
    int sourceWidth;
    int sourceHeight;

    /**
     * Creates an empty holder.
     *
     * @param capacity most faces held
     */
    public FaceDetections(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity is " + capacity + "; allowed: >= 1");
        }
        x1 = new float[capacity];
        y1 = new float[capacity];
        x2 = new float[capacity];
        y2 = new float[capacity];
        score = new float[capacity];
        keypoints = new float[capacity * KEYPOINTS * 2];
    }

    /** {@return the number of faces} */
    public int count() {
        return count;
    }

    /** {@return the most faces this holder keeps} */
    public int capacity() {
        return score.length;
    }

    private int check(int i) {
        if (i < 0 || i >= count) {
            throw new IndexOutOfBoundsException("face " + i + " outside [0, " + count + ")");
        }
        return i;
    }

    /**
     * {@return the left edge of face {@code i}, in source pixels}
     *
     * @param i face index
     */
    public float x1(int i) {
        return x1[check(i)];
    }

    /**
     * {@return the top edge of face {@code i}, in source pixels}
     *
     * @param i face index
     */
    public float y1(int i) {
        return y1[check(i)];
    }

    /**
     * {@return the right edge of face {@code i}, in source pixels}
     *
     * @param i face index
     */
    public float x2(int i) {
        return x2[check(i)];
    }

    /**
     * {@return the bottom edge of face {@code i}, in source pixels}
     *
     * @param i face index
     */
    public float y2(int i) {
        return y2[check(i)];
    }

    /**
     * {@return the score of face {@code i}, in [0, 1]}
     *
     * @param i face index
     */
    public float score(int i) {
        return score[check(i)];
    }

    /**
     * {@return the x coordinate of keypoint {@code k} of face {@code i}, in source pixels}
     *
     * @param i face index
     * @param k keypoint index, 0 to 5
     */
    public float keypointX(int i, int k) {
        return keypoints[(check(i) * KEYPOINTS + checkKeypoint(k)) * 2];
    }

    /**
     * {@return the y coordinate of keypoint {@code k} of face {@code i}, in source pixels}
     *
     * @param i face index
     * @param k keypoint index, 0 to 5
     */
    public float keypointY(int i, int k) {
        return keypoints[(check(i) * KEYPOINTS + checkKeypoint(k)) * 2 + 1];
    }

    private static int checkKeypoint(int k) {
        if (k < 0 || k >= KEYPOINTS) {
            throw new IndexOutOfBoundsException("keypoint " + k + " outside [0, " + KEYPOINTS + ")");
        }
        return k;
    }

    /** {@return the width of the frame these faces were found in} */
    public int sourceWidth() {
        return sourceWidth;
    }

    /** {@return the height of the frame these faces were found in} */
    public int sourceHeight() {
        return sourceHeight;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("FaceDetections[");
        for (int i = 0; i < count; i++) {
            sb.append(i == 0 ? "" : ", ").append(String.format(java.util.Locale.ROOT, "(%.0f,%.0f)-(%.0f,%.0f) %.2f",
                    x1[i], y1[i], x2[i], y2[i], score[i]));
        }
        return sb.append(']').toString();
    }
}
