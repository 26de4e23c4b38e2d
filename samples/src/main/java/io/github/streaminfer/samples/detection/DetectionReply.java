package io.github.streaminfer.samples.detection;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;

/**
 * The server's answer to one frame: the boxes of its {@code detection_result} and the processing time, or the
 * message of its {@code error}.
 *
 * @param frameId      the frame's id
 * @param boxes        the detections, best first (empty on error)
 * @param processingMs the server's processing time for the frame, or NaN on error
 * @param error        the error message, or null
 */
public record DetectionReply(String frameId, List<BoxPainter.Box> boxes, double processingMs, String error) {

    /**
     * Reads a {@code detection_result} or {@code error} message.
     *
     * @param message the parsed message
     * @return the reply, or null if the message answers no frame (connected, ping, pong, stats, ...)
     */
    public static DetectionReply parse(JsonNode message) {
        String type = message.path("type").asText();
        if (type.equals("error") && message.hasNonNull("frame_id")) {
            return new DetectionReply(message.path("frame_id").asText(), List.of(), Double.NaN,
                    message.path("error").asText() + (message.has("code") ? " (" + message.path("code").asText()
                            + ")" : ""));
        }
        if (!type.equals("detection_result")) {
            return null;
        }
        JsonNode data = message.path("data");
        List<BoxPainter.Box> boxes = new ArrayList<>();
        for (JsonNode d : data.path("detections")) {
            JsonNode b = d.path("bbox");
            boxes.add(new BoxPainter.Box((float) b.path(0).asDouble(), (float) b.path(1).asDouble(),
                    (float) b.path(2).asDouble(), (float) b.path(3).asDouble(),
                    (float) d.path("confidence").asDouble(), d.path("class_name").asText("class " + d.path("class_id"))));
        }
        return new DetectionReply(data.path("frame_id").asText(), List.copyOf(boxes),
                data.path("processing_time_ms").asDouble(Double.NaN), null);
    }
}
