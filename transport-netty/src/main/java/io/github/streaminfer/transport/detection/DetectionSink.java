package io.github.streaminfer.transport.detection;

/**
 * Receives the detections of one result from a {@link DetectionEncoder}; the transport filters them by the
 * session's {@code confidence_threshold} and {@code max_detections} and writes the seed's
 * {@code {"bbox": [x1, y1, x2, y2], "confidence", "class_id", "class_name"}} objects.
 *
 * <p><b>Note:</b> valid only during {@link DetectionEncoder#encode}.
 *
 * @since 0.1.0
 */
public interface DetectionSink {

    /**
     * @param x1         left, in source image pixels
     * @param y1         top
     * @param x2         right
     * @param y2         bottom
     * @param confidence score in [0, 1]
     * @param classId    class index
     * @param className  class label, or null to report the index only
     */
    void detection(float x1, float y1, float x2, float y2, float confidence, int classId, String className);
}
