package io.github.streaminfer.task;

/**
 * Greedy IoU tracker of {@link DetectionTask}: a detection continues the same-class track it overlaps most, else
 * starts a new one. Track boxes, classes, ids and frames since the last match live in parallel arrays sized once.
 *
 * <p><b>Note:</b> one instance per task; called only from its session's worker; allocation-free.
 */
final class IouTracker {
    private final float threshold;
    private final int maxAge;
    private final float[] trackX1;
    private final float[] trackY1;
    private final float[] trackX2;
    private final float[] trackY2;
    private final int[] trackClass;
    private final long[] trackIds;
    private final int[] framesUnmatched;
    private final boolean[] matched;
    private int tracks;
    private long nextId = 1;

    /**
     * Creates a tracker with room for {@code 2 * capacity} tracks.
     *
     * @param threshold minimum IoU for a detection to continue a track, in (0, 1]
     * @param maxAge    frames a track survives without a match
     * @param capacity  most detections per frame
     */
    IouTracker(float threshold, int maxAge, int capacity) {
        this.threshold = threshold;
        this.maxAge = maxAge;
        int cap = capacity * 2;
        trackX1 = new float[cap];
        trackY1 = new float[cap];
        trackX2 = new float[cap];
        trackY2 = new float[cap];
        trackClass = new int[cap];
        trackIds = new long[cap];
        framesUnmatched = new int[cap];
        matched = new boolean[cap];
    }

    /**
     * Gives each detection of a frame a track id: the id of the unmatched same-class track it overlaps most (at
     * least {@code threshold}), else a new one; then ages the tracks left unmatched and drops those older than
     * {@code maxAge} frames. When every track slot is taken, a new track replaces the oldest unmatched one.
     *
     * @param d the frame's detections, best first; their {@code trackId}s are written
     */
    void update(Detections d) {
        for (int t = 0; t < tracks; t++) {
            matched[t] = false;
        }
        for (int i = 0; i < d.count; i++) {
            int best = -1;
            float bestIou = threshold;
            for (int t = 0; t < tracks; t++) {
                if (matched[t] || trackClass[t] != d.classId[i]) {
                    continue;
                }
                float v = NonMaxSuppression.iou(d.x1[i], d.y1[i], d.x2[i], d.y2[i], trackX1[t], trackY1[t], trackX2[t], trackY2[t]);
                if (v >= bestIou) {
                    bestIou = v;
                    best = t;
                }
            }
            if (best < 0) {
                if (tracks == trackIds.length) {
                    best = oldest();
                } else {
                    best = tracks++;
                }
                trackIds[best] = nextId++;
                trackClass[best] = d.classId[i];
            }
            matched[best] = true;
            framesUnmatched[best] = 0;
            trackX1[best] = d.x1[i];
            trackY1[best] = d.y1[i];
            trackX2[best] = d.x2[i];
            trackY2[best] = d.y2[i];
            d.trackId[i] = trackIds[best];
        }
        // age the unmatched tracks and drop the expired ones
        int w = 0;
        for (int t = 0; t < tracks; t++) {
            if (!matched[t] && ++framesUnmatched[t] > maxAge) {
                continue;
            }
            if (w != t) {
                trackX1[w] = trackX1[t];
                trackY1[w] = trackY1[t];
                trackX2[w] = trackX2[t];
                trackY2[w] = trackY2[t];
                trackClass[w] = trackClass[t];
                trackIds[w] = trackIds[t];
                framesUnmatched[w] = framesUnmatched[t];
                matched[w] = matched[t];
            }
            w++;
        }
        tracks = w;
    }

    private int oldest() {
        int o = 0;
        for (int t = 1; t < tracks; t++) {
            if (!matched[t] && (matched[o] || framesUnmatched[t] > framesUnmatched[o])) {
                o = t;
            }
        }
        return o;
    }

    /** Forgets every track; ids start again at 1. */
    void reset() {
        tracks = 0;
        nextId = 1;
    }
}
