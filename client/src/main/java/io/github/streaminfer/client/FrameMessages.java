package io.github.streaminfer.client;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Base64;

/**
 * The VLA WebSocket's client messages ({@code auth}, {@code frame_metadata}, {@code frame}), as PROTOCOL.md of
 * streaminfer-transport-netty describes them.
 *
 * <p><b>Note:</b> stateless; safe from any thread.
 */
final class FrameMessages {
    private static final ObjectMapper JSON = new ObjectMapper();

    private FrameMessages() {
    }

    /** {@return the {@code auth} message for these settings} */
    static String auth(RemotePolicyConfig config) {
        ObjectNode o = JSON.createObjectNode();
        o.put("type", "auth");
        if (config.apiKey() != null) {
            o.put("api_key", config.apiKey());
        }
        o.put("target_fps", config.targetFps());
        o.put("enable_smoothing", config.smoothing());
        o.put("smoothing_alpha", config.smoothingAlpha());
        o.put("enable_safety", config.safety());
        return o.toString();
    }

    /** {@return the {@code frame_metadata} text message that goes before the image's binary message} */
    static String metadata(Observation o, long frame) {
        ObjectNode m = JSON.createObjectNode();
        m.put("type", "frame_metadata");
        m.put("frameNumber", frame);
        m.put("timestamp", System.currentTimeMillis());
        m.put("format", o.format());
        putCommon(m, o);
        return m.toString();
    }

    /** {@return a {@code frame} text message with the image in base64} */
    static String textFrame(Observation o, long frame) {
        ObjectNode m = JSON.createObjectNode();
        m.put("type", "frame");
        m.put("frame_id", frame);
        m.put("image", "data:image/" + o.format() + ";base64," + Base64.getEncoder().encodeToString(o.image()));
        putCommon(m, o);
        return m.toString();
    }

    private static void putCommon(ObjectNode m, Observation o) {
        if (o.instruction() != null) {
            m.put("instruction", o.instruction());
        }
        ObjectNode state = m.putObject("robot_state");
        ArrayNode pose = state.putArray("pose");
        for (double v : o.pose()) {
            pose.add(v);
        }
        ArrayNode velocity = state.putArray("velocity");
        for (double v : o.velocity()) {
            velocity.add(v);
        }
    }
}
