package io.github.streaminfer.transport.internal.vla;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.streaminfer.transport.internal.http.FrameIds;
import io.github.streaminfer.transport.internal.http.Json;
import io.github.streaminfer.transport.internal.http.ProtocolException;
import io.github.streaminfer.transport.internal.http.WireErrors;
import io.netty.buffer.Unpooled;

/**
 * Fuzz target for the VLA {@code frame} / {@code frame_metadata} decoders, the first code a client's bytes reach:
 * {@link FrameMessageReader} (the allocation-free fast path) and the tree path behind it ({@link Json#parseObject},
 * {@link VlaHandler#parseFrame}). Whatever the bytes:
 * <ul>
 *   <li>the fast path never throws and never consumes the message, from a heap or a direct buffer;</li>
 *   <li>a message the fast path takes builds exactly the frame the tree path builds (its documented promise);</li>
 *   <li>the tree path takes the message or refuses it with a client-safe {@link ProtocolException}
 *       ({@link WireErrors}); never any other exception.</li>
 * </ul>
 */
class VlaFrameFuzzTest {
    private static final FrameMessageReader READER = FrameMessageReaderTest.reader();

    @FuzzTest(maxDuration = "15s")
    void fastPathNeverThrowsAndAgreesWithTheTreePathWhichRefusesOnlyWithProtocolErrors(byte[] message) {
        FrameMessageReaderTest.Outcome heap = FrameMessageReaderTest.read(READER, message, false);
        FrameMessageReaderTest.Outcome direct = FrameMessageReaderTest.read(READER, message, true);
        if (!heap.equals(direct)) {
            throw new AssertionError("heap buffer read " + heap + ", direct buffer read " + direct);
        }
        if (heap.kind() != FrameMessageReader.NOT_HANDLED) {
            FrameMessageReaderTest.Outcome tree = FrameMessageReaderTest.tree(message);
            if (!heap.equals(tree)) {
                throw new AssertionError("fast path read " + heap + ", tree path built " + tree);
            }
        }
        treePathRefusesCleanly(message);
    }

    private static void treePathRefusesCleanly(byte[] message) {
        try {
            ObjectNode msg = Json.parseObject(Unpooled.wrappedBuffer(message));
            JsonNode type = msg.get("type");
            FrameIds.parse(msg.get("frame_id"));
            VlaFramePool.Slot slot = new VlaFramePool.Slot();
            if (type != null && "frame_metadata".equals(type.asText())) {
                FrameTreeReader.metadataId(msg);
                FrameTreeReader.parseFrame(msg, Unpooled.wrappedBuffer(FrameMessageReaderTest.JPEG), slot,
                        FrameMessageReaderTest.LIMITS, FrameMessageReaderTest.MAX_STATE_LENGTH);
            } else {
                FrameTreeReader.parseFrame(msg, null, slot, FrameMessageReaderTest.LIMITS,
                        FrameMessageReaderTest.MAX_STATE_LENGTH);
            }
        } catch (ProtocolException e) {
            WireErrors.requireClientSafe(e, message);
        }
    }
}
