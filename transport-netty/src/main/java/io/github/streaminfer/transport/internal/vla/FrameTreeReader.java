package io.github.streaminfer.transport.internal.vla;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.streaminfer.transport.ServerLimits;
import io.github.streaminfer.transport.internal.http.FrameIds;
import io.github.streaminfer.transport.internal.http.EncodedImages;
import io.github.streaminfer.transport.internal.http.Json;
import io.github.streaminfer.transport.internal.http.ProtocolException;
import io.netty.buffer.ByteBuf;

/**
 * The VLA frame messages the fast reader ({@link FrameMessageReader}) leaves to a JSON tree: their id and their
 * frame, read from an {@link ObjectNode}.
 *
 * <p><b>Note:</b> stateless and thread-safe.
 */
final class FrameTreeReader {
    /** Longest pose, and longest velocity, of a frame. */
    static final int MAX_STATE = 4096;

    private FrameTreeReader() {
    }

    /**
     * Validates what a frame_metadata message says about its image (the rest is checked with the image).
     *
     * @param msg the message
     * @return the client's id of the frame ({@code frame_id}, else {@code frameNumber}), or null
     * @throws ProtocolException if the id or the format is invalid
     */
    static Object metadataId(ObjectNode msg) throws ProtocolException {
        Object id = FrameIds.parse(msg.get("frame_id"));
        if (id == null && msg.hasNonNull("frameNumber")) {
            JsonNode fn = msg.get("frameNumber");
            if (!fn.isIntegralNumber()) {
                throw new ProtocolException("invalid_field", "field 'frameNumber' must be an integer, got "
                        + Json.kind(fn));
            }
            id = fn.longValue();
        }
        String format = Json.text(msg, "format", "jpeg", 16);
        if (!format.equals("jpeg") && !format.equals("jpg") && !format.equals("png")) {
            throw new ProtocolException("invalid_field", "field 'format' is '" + Json.truncate(format, 16)
                    + "'; allowed: jpeg, png");
        }
        return id;
    }

    /**
     * The general path: validates a frame message's tree (or a frame_metadata's, with its binary image) into
     * {@code into}. Every error message about a frame's content comes from here.
     *
     * @param msg            the message
     * @param binary         the binary image of a frame_metadata, or null for a frame message
     * @param into           receives the frame (not its id)
     * @param limits         the server's limits
     * @param maxStateLength longest pose + velocity accepted (0: no check)
     * @throws ProtocolException what is wrong with the frame
     */
    static void parseFrame(ObjectNode msg, ByteBuf binary, VlaFramePool.Slot into, ServerLimits limits,
                           int maxStateLength) throws ProtocolException {
        parseFrame(msg, binary, into, limits.maxWebSocketFrameBytes(), limits.maxImagePixels(), maxStateLength);
    }

    /**
     * {@link #parseFrame(ObjectNode, ByteBuf, VlaFramePool.Slot, ServerLimits, int)} with explicit image budgets.
     *
     * @param msg            the message
     * @param binary         the binary image of a frame_metadata, or null for a frame message
     * @param into           receives the frame (not its id)
     * @param maxImageBytes  byte budget of the encoded image
     * @param maxPixels      pixel budget of the image
     * @param maxStateLength longest pose + velocity accepted (0: no check)
     * @throws ProtocolException what is wrong with the frame
     */
    static void parseFrame(ObjectNode msg, ByteBuf binary, VlaFramePool.Slot into, int maxImageBytes,
                           long maxPixels, int maxStateLength) throws ProtocolException {
        if (binary != null) {
            EncodedImages.checkBytes(binary.readableBytes(), maxImageBytes);
            into.copyImage(binary);
        } else {
            String image = Json.requiredText(msg, "image");
            into.copyImage(EncodedImages.decodeBase64("image", image, maxImageBytes));
        }
        into.probeImage(maxPixels);
        into.instruction = Json.text(msg, "instruction", "", 4096);
        float[] pose = new float[0];
        float[] velocity = new float[0];
        JsonNode rs = msg.get("robot_state");
        if (rs != null && !rs.isNull()) {
            if (!rs.isObject()) {
                throw new ProtocolException("invalid_field", "field 'robot_state' must be an object with 'pose' and "
                        + "'velocity' arrays, got " + Json.kind(rs));
            }
            ObjectNode o = (ObjectNode) rs;
            pose = Json.floats(o, "pose", "robot_state.pose", MAX_STATE);
            velocity = Json.floats(o, "velocity", "robot_state.velocity", MAX_STATE);
            if (maxStateLength > 0 && pose.length + velocity.length > maxStateLength) {
                throw new ProtocolException("invalid_state", "robot_state has " + (pose.length + velocity.length)
                        + " values (pose " + pose.length + " + velocity " + velocity.length
                        + "); this model accepts at most " + maxStateLength);
            }
        }
        into.pose(pose);
        into.velocity(velocity);
    }
}
