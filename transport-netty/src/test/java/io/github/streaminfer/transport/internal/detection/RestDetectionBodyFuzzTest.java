package io.github.streaminfer.transport.internal.detection;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.streaminfer.transport.detection.DetectionSettings;
import io.github.streaminfer.transport.internal.http.Json;
import io.github.streaminfer.transport.internal.http.ProtocolException;
import io.github.streaminfer.transport.internal.http.WireErrors;
import io.netty.buffer.Unpooled;

import java.util.Set;

/**
 * Fuzz target for the JSON body of the detection REST endpoints ({@code POST /stream/sessions},
 * {@code PATCH /stream/sessions/{id}/config}), parsed before anything else looks at the request: whatever the bytes,
 * it parses into settings within their documented ranges or is refused with a client-safe {@link ProtocolException}
 * ({@link WireErrors}); never another exception, never Jackson's text.
 */
class RestDetectionBodyFuzzTest {
    private static final Set<String> DETECTION_FIELDS = Set.of("fps_limit", "confidence_threshold", "iou_threshold",
            "enable_tracking", "quality_mode", "max_detections");

    @FuzzTest(maxDuration = "15s")
    void detectionSettingsParseWithinRangeOrRefuseWithProtocolErrors(byte[] body) {
        try {
            ObjectNode o = Json.parseObject(Unpooled.wrappedBuffer(body));
            DetectionSettings s = DetectionService.parseSettings(o, DetectionSettings.DEFAULT);
            if (!(s.fpsLimit() >= 1 && s.fpsLimit() <= 1000) || !(s.confidenceThreshold() >= 0
                    && s.confidenceThreshold() <= 1) || !(s.iouThreshold() >= 0 && s.iouThreshold() <= 1)
                    || !DetectionSettings.QUALITY_MODES.contains(s.qualityMode())) {
                throw new AssertionError("settings out of range accepted: " + s);
            }
            Json.onlyFields(o, "session request", DETECTION_FIELDS);
        } catch (ProtocolException e) {
            WireErrors.requireClientSafe(e, body);
        }
    }
}
