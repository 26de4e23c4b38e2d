package io.github.streaminfer.transport.internal.vla;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.streaminfer.transport.internal.http.Json;
import io.github.streaminfer.transport.internal.http.ProtocolException;
import io.netty.buffer.ByteBuf;

/**
 * A large VLA text message as the parse threads read it ({@link VlaHandler}, through
 * {@link io.github.streaminfer.transport.internal.http.OffLoopWork}): the work the event loop would do on it, done
 * elsewhere, with what the event loop needs to go on.
 *
 * @param kind       what {@link FrameMessageReader} made of it: a frame or frame_metadata in {@code slot}, or
 *                   {@link FrameMessageReader#NOT_HANDLED} when it took the tree path
 * @param slot       the pooled frame it was read into (the connection's, until submitted or released)
 * @param tree       the message as a tree, on the tree path when it is JSON
 * @param jsonError  why it is not a JSON object, on the tree path
 * @param isFrame    on the tree path, a {@code frame} message, read into {@code slot} unless {@code frameError}
 * @param frameError why that frame was refused
 */
record LargeText(int kind, VlaFramePool.Slot slot, ObjectNode tree, ProtocolException jsonError, boolean isFrame,
                 ProtocolException frameError) {

    /**
     * Reads one message; touches only the message, the slot and the reader (the connection's, idle meanwhile).
     *
     * @return what it is
     */
    static LargeText read(ByteBuf message, VlaFramePool.Slot slot, FrameMessageReader reader, ObjectMapper json,
                          int maxImageBytes, long maxImagePixels, int maxStateLength) {
        int kind = reader.readLarge(message, slot);
        if (kind != FrameMessageReader.NOT_HANDLED) {
            return new LargeText(kind, slot, null, null, false, null);
        }
        ObjectNode tree;
        try {
            tree = Json.parseObject(message, json);
        } catch (ProtocolException e) {
            return new LargeText(kind, slot, null, e, false, null);
        }
        JsonNode type = tree.get("type");
        if (type == null || !type.isTextual() || !type.textValue().equals("frame")) {
            return new LargeText(kind, slot, tree, null, false, null);
        }
        try {
            FrameTreeReader.parseFrame(tree, null, slot, maxImageBytes, maxImagePixels, maxStateLength);
            return new LargeText(kind, slot, tree, null, true, null);
        } catch (ProtocolException e) {
            return new LargeText(kind, slot, tree, null, true, e);
        }
    }
}
