package io.github.streaminfer.transport.internal;

import com.fasterxml.jackson.core.JsonGenerator;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Remembers the client's own frame ids by the server's frame sequence number, so a result can echo the id the client
 * sent. Written by the I/O thread before the frame is submitted (the session's queue publishes it to the worker),
 * read by the worker.
 *
 * <p><b>Note:</b> single writer, any reader; holds the last 1024 ids.
 */
public final class FrameIds {
    private static final int SIZE = 1024;
    private final AtomicReferenceArray<Entry> ring = new AtomicReferenceArray<>(SIZE);

    private record Entry(long seq, Object id) {
    }

    /**
     * @param seq server sequence number
     * @param id  the client's id (String or Long), or null if it sent none
     */
    public void put(long seq, Object id) {
        int slot = (int) (seq & (SIZE - 1));
        ring.lazySet(slot, id == null ? null : new Entry(seq, id));
    }

    /**
     * @param seq server sequence number
     * @return the client's id, or the sequence number
     */
    public Object get(long seq) {
        Entry e = ring.get((int) (seq & (SIZE - 1)));
        return e != null && e.seq == seq ? e.id : seq;
    }

    /**
     * Writes {@code "frame_id": id}.
     *
     * @param g   generator
     * @param seq server sequence number
     * @throws IOException from the generator
     */
    public void write(JsonGenerator g, long seq) throws IOException {
        write(g, get(seq));
    }

    /**
     * @param g  generator
     * @param id the id (String or Number)
     * @throws IOException from the generator
     */
    public static void write(JsonGenerator g, Object id) throws IOException {
        if (id instanceof String s) {
            g.writeStringField("frame_id", s);
        } else {
            g.writeNumberField("frame_id", ((Number) id).longValue());
        }
    }

    /**
     * @param n a frame_id field (number or string) or null
     * @return the id as Long or String, or null if absent
     * @throws ProtocolException if it is another type or too long
     */
    public static Object parse(com.fasterxml.jackson.databind.JsonNode n) throws ProtocolException {
        if (n == null || n.isNull()) {
            return null;
        }
        if (n.isIntegralNumber() && n.canConvertToLong()) {
            return n.longValue();
        }
        if (n.isTextual() && n.textValue().length() <= 128) {
            return n.textValue();
        }
        throw new ProtocolException("invalid_field", "field 'frame_id' must be an integer or a string of at most 128 "
                + "characters, got " + Json.kind(n));
    }
}
