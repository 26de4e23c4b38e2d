package io.github.streaminfer.samples.face;

import io.github.streaminfer.image.ImageGeometry;

/**
 * Decodes BlazeFace's raw outputs (one score logit and 16 regressors per anchor) into faces: sigmoid of the clipped
 * logit, then for anchor {@code (ax, ay)} (in [0, 1]) and an input side of {@code S} pixels the box centre
 * {@code (ax·S + r0, ay·S + r1)}, size {@code (r2, r3)}, and keypoint {@code k} at {@code (ax·S + r[4+2k],
 * ay·S + r[5+2k])}, all in input-tensor pixels (MediaPipe's TensorsToDetections with x/y/w/h scale = S and unit
 * anchors); then greedy non-maximum suppression, best score first; then each point mapped back to the source image
 * through the {@link ImageGeometry} the image was fitted with.
 *
 * <p>Nothing is allocated per call: candidate lists are sized for every anchor up front.
 *
 * <p><b>Note:</b> not thread-safe; one per session worker.
 */
public final class BlazeFaceDecoder {
    /** Regressors per anchor: box (4) and six keypoints (12). */
    public static final int REGRESSORS = 16;

    private final BlazeFaceConfig config;
    private final float[] anchors;
    private final int anchorCount;
    private final float inputSize;
    private final int[] candidates;
    private final float[] candidateScores;
    private final int[] kept;

    /**
     * Creates a decoder.
     *
     * @param config    thresholds and limits
     * @param anchors   anchor centres {@code [x0, y0, ...]} in [0, 1], e.g. {@link BlazeFaceAnchors#front128()}
     * @param inputSize the model's square input side, in pixels
     */
    public BlazeFaceDecoder(BlazeFaceConfig config, float[] anchors, int inputSize) {
        if (anchors.length == 0 || anchors.length % 2 != 0) {
            throw new IllegalArgumentException("anchors has " + anchors.length + " values; allowed: a positive even "
                    + "number (x, y pairs)");
        }
        if (inputSize < 1) {
            throw new IllegalArgumentException("inputSize is " + inputSize + "; allowed: >= 1");
        }
        this.config = config;
        this.anchors = anchors.clone();
        this.anchorCount = anchors.length / 2;
        this.inputSize = inputSize;
        this.candidates = new int[anchorCount];
        this.candidateScores = new float[anchorCount];
        this.kept = new int[anchorCount];
    }

    /** {@return the number of anchors, which is the length the score array must have} */
    public int anchorCount() {
        return anchorCount;
    }

    /**
     * Decodes one frame's outputs into {@code into}.
     *
     * @param scores     raw score logits, one per anchor
     * @param regressors {@value #REGRESSORS} values per anchor, anchor after anchor
     * @param geometry   where the source image landed in the input tensor
     * @param into       receives the faces, best first, at most {@link BlazeFaceConfig#maxDetections()} and its
     *                   capacity
     * @return the number of faces
     */
    public int decode(float[] scores, float[] regressors, ImageGeometry geometry, FaceDetections into) {
        if (scores.length < anchorCount || regressors.length < anchorCount * REGRESSORS) {
            throw new IllegalArgumentException("scores has " + scores.length + " and regressors "
                    + regressors.length + " values; allowed: at least " + anchorCount + " and "
                    + anchorCount * REGRESSORS);
        }
        int n = 0;
        float clip = config.scoreClip();
        for (int a = 0; a < anchorCount; a++) {
            float logit = Math.max(-clip, Math.min(clip, scores[a]));
            float score = (float) (1.0 / (1.0 + Math.exp(-logit)));
            if (score < config.scoreThreshold() || Float.isNaN(score)) {
                continue;
            }
            int at = n++;
            while (at > 0 && candidateScores[at - 1] < score) { // insertion keeps the list best first
                candidateScores[at] = candidateScores[at - 1];
                candidates[at] = candidates[at - 1];
                at--;
            }
            candidateScores[at] = score;
            candidates[at] = a;
        }
        int limit = Math.min(config.maxDetections(), into.capacity());
        int keptCount = 0;
        for (int c = 0; c < n && keptCount < limit; c++) {
            int a = candidates[c];
            boolean suppressed = false;
            for (int k = 0; k < keptCount && !suppressed; k++) {
                suppressed = iou(a, kept[k], regressors) > config.iouThreshold();
            }
            if (!suppressed) {
                kept[keptCount] = a;
                write(keptCount, a, candidateScores[c], regressors, geometry, into);
                keptCount++;
            }
        }
        into.count = keptCount;
        into.sourceWidth = geometry.sourceWidth();
        into.sourceHeight = geometry.sourceHeight();
        return keptCount;
    }

    private float centreX(int a, float[] r) {
        return anchors[2 * a] * inputSize + r[a * REGRESSORS];
    }

    private float centreY(int a, float[] r) {
        return anchors[2 * a + 1] * inputSize + r[a * REGRESSORS + 1];
    }

    private float iou(int a, int b, float[] r) {
        float aw = Math.abs(r[a * REGRESSORS + 2]);
        float ah = Math.abs(r[a * REGRESSORS + 3]);
        float bw = Math.abs(r[b * REGRESSORS + 2]);
        float bh = Math.abs(r[b * REGRESSORS + 3]);
        float ax = centreX(a, r);
        float ay = centreY(a, r);
        float bx = centreX(b, r);
        float by = centreY(b, r);
        float iw = Math.min(ax + aw / 2, bx + bw / 2) - Math.max(ax - aw / 2, bx - bw / 2);
        float ih = Math.min(ay + ah / 2, by + bh / 2) - Math.max(ay - ah / 2, by - bh / 2);
        if (iw <= 0 || ih <= 0) {
            return 0f;
        }
        float inter = iw * ih;
        float union = aw * ah + bw * bh - inter;
        return union > 0 ? inter / union : 0f;
    }

    private void write(int slot, int a, float score, float[] r, ImageGeometry g, FaceDetections into) {
        float cx = centreX(a, r);
        float cy = centreY(a, r);
        float w = Math.abs(r[a * REGRESSORS + 2]);
        float h = Math.abs(r[a * REGRESSORS + 3]);
        into.x1[slot] = g.toSourceX(cx - w / 2);
        into.y1[slot] = g.toSourceY(cy - h / 2);
        into.x2[slot] = g.toSourceX(cx + w / 2);
        into.y2[slot] = g.toSourceY(cy + h / 2);
        into.score[slot] = score;
        float ax = anchors[2 * a] * inputSize;
        float ay = anchors[2 * a + 1] * inputSize;
        int base = slot * FaceDetections.KEYPOINTS * 2;
        for (int k = 0; k < FaceDetections.KEYPOINTS; k++) {
            into.keypoints[base + 2 * k] = g.toSourceX(ax + r[a * REGRESSORS + 4 + 2 * k]);
            into.keypoints[base + 2 * k + 1] = g.toSourceY(ay + r[a * REGRESSORS + 5 + 2 * k]);
        }
    }
}
