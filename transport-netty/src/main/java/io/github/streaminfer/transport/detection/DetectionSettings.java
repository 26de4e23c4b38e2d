package io.github.streaminfer.transport.detection;

import java.util.Objects;
import java.util.Set;

/**
 * A detection session's runtime configuration (the OpenVINO seed's {@code fps_limit}, {@code confidence_threshold},
 * {@code iou_threshold}, {@code enable_tracking}, {@code quality_mode}, {@code max_detections}), changed with
 * {@code PATCH /stream/sessions/{id}/config} or a WebSocket {@code config} message.
 *
 * <p>The transport applies {@code fps_limit} (admission), {@code confidence_threshold} and {@code max_detections}
 * (to what it sends) itself; the others reach the task through {@link DetectionEndpoint.Reconfigurer}.
 *
 * @param fpsLimit            frames per second admitted (1 to 1000)
 * @param confidenceThreshold detections below it are not sent, [0, 1]
 * @param iouThreshold        NMS IoU threshold, [0, 1]
 * @param enableTracking      whether the task tracks objects across frames
 * @param qualityMode         {@code fast}, {@code balanced} or {@code accurate}
 * @param maxDetections       most detections sent per frame (1 to 1000)
 * @since 0.1.0
 */
public record DetectionSettings(double fpsLimit, double confidenceThreshold, double iouThreshold,
                                boolean enableTracking, String qualityMode, int maxDetections) {

    /** Allowed quality modes. */
    public static final Set<String> QUALITY_MODES = Set.of("fast", "balanced", "accurate");

    /** The seed's defaults: 10 fps, confidence 0.5, IoU 0.45, tracking on, balanced, 50 detections. */
    public static final DetectionSettings DEFAULT = new DetectionSettings(10, 0.5, 0.45, true, "balanced", 50);

    /**
     * Validates.
     *
     * @param fpsLimit            see the class description
     * @param confidenceThreshold see the class description
     * @param iouThreshold        see the class description
     * @param enableTracking      see the class description
     * @param qualityMode         see the class description
     * @param maxDetections       see the class description
     */
    public DetectionSettings {
        Objects.requireNonNull(qualityMode, "quality_mode");
        if (!(fpsLimit >= 1 && fpsLimit <= 1000)) {
            throw new IllegalArgumentException("fps_limit is " + fpsLimit + "; allowed: 1 to 1000");
        }
        if (!(confidenceThreshold >= 0 && confidenceThreshold <= 1)) {
            throw new IllegalArgumentException("confidence_threshold is " + confidenceThreshold
                    + "; allowed: 0 to 1");
        }
        if (!(iouThreshold >= 0 && iouThreshold <= 1)) {
            throw new IllegalArgumentException("iou_threshold is " + iouThreshold + "; allowed: 0 to 1");
        }
        if (!QUALITY_MODES.contains(qualityMode)) {
            throw new IllegalArgumentException("quality_mode is '" + qualityMode + "'; allowed: fast, balanced, accurate");
        }
        if (maxDetections < 1 || maxDetections > 1000) {
            throw new IllegalArgumentException("max_detections is " + maxDetections + "; allowed: 1 to 1000");
        }
    }
}
