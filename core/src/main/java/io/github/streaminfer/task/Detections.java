package io.github.streaminfer.task;

import java.util.List;

/**
 * The detections of one frame, best score first: boxes in source-image pixels ({@code x1, y1} top-left,
 * {@code x2, y2} bottom-right), score, class and, when the task tracks, a track id. A reusable holder of parallel
 * arrays filled in place by {@link DetectionTask}.
 *
 * <p><b>Note:</b> not thread-safe; read-only once its result is published.
 *
 * @since 0.1.0
 */
public final class Detections {
    private final List<String> labels;
    final float[] x1;
    final float[] y1;
    final float[] x2;
    final float[] y2;
    final float[] score;
    final int[] classId;
    final long[] trackId;
    int count;
    int sourceWidth;
    int sourceHeight;

    /**
     * Creates an empty result with room for {@code capacity} boxes.
     *
     * @param capacity maximum detections held
     * @param labels   class names by index, may be empty
     */
    public Detections(int capacity, List<String> labels) {
        x1 = new float[capacity];
        y1 = new float[capacity];
        x2 = new float[capacity];
        y2 = new float[capacity];
        score = new float[capacity];
        classId = new int[capacity];
        trackId = new long[capacity];
        this.labels = List.copyOf(labels);
    }

    /** {@return number of detections} */
    public int count() {
        return count;
    }

    private int check(int i) {
        if (i < 0 || i >= count) {
            throw new IndexOutOfBoundsException("detection " + i + " outside [0, " + count + ")");
        }
        return i;
    }

    /**
     * {@return left edge in source pixels}
     *
     * @param i detection index
     */
    public float x1(int i) {
        return x1[check(i)];
    }

    /**
     * {@return top edge in source pixels}
     *
     * @param i detection index
     */
    public float y1(int i) {
        return y1[check(i)];
    }

    /**
     * {@return right edge in source pixels}
     *
     * @param i detection index
     */
    public float x2(int i) {
        return x2[check(i)];
    }

    /**
     * {@return bottom edge in source pixels}
     *
     * @param i detection index
     */
    public float y2(int i) {
        return y2[check(i)];
    }

    /**
     * {@return confidence}
     *
     * @param i detection index
     */
    public float score(int i) {
        return score[check(i)];
    }

    /**
     * {@return class index}
     *
     * @param i detection index
     */
    public int classId(int i) {
        return classId[check(i)];
    }

    /**
     * {@return class label, or the index as text}
     *
     * @param i detection index
     */
    public String label(int i) {
        int c = classId[check(i)];
        return c < labels.size() ? labels.get(c) : Integer.toString(c);
    }

    /**
     * {@return track id ({@code >= 1}) when tracking, else 0}
     *
     * @param i detection index
     */
    public long trackId(int i) {
        return trackId[check(i)];
    }

    /** {@return width of the source image the boxes refer to} */
    public int sourceWidth() {
        return sourceWidth;
    }

    /** {@return height of the source image the boxes refer to} */
    public int sourceHeight() {
        return sourceHeight;
    }

    /** {@return a detached copy (allocates; for consumers keeping detections beyond the result's release)} */
    public Detections copy() {
        Detections c = new Detections(x1.length, labels);
        System.arraycopy(x1, 0, c.x1, 0, count);
        System.arraycopy(y1, 0, c.y1, 0, count);
        System.arraycopy(x2, 0, c.x2, 0, count);
        System.arraycopy(y2, 0, c.y2, 0, count);
        System.arraycopy(score, 0, c.score, 0, count);
        System.arraycopy(classId, 0, c.classId, 0, count);
        System.arraycopy(trackId, 0, c.trackId, 0, count);
        c.count = count;
        c.sourceWidth = sourceWidth;
        c.sourceHeight = sourceHeight;
        return c;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("Detections[").append(count);
        for (int i = 0; i < count; i++) {
            sb.append(i == 0 ? ": " : ", ").append(label(i)).append(String.format(" %.2f (%.0f,%.0f,%.0f,%.0f)",
                    score[i], x1[i], y1[i], x2[i], y2[i]));
            if (trackId[i] != 0) {
                sb.append(" #").append(trackId[i]);
            }
        }
        return sb.append(']').toString();
    }
}
