package io.github.streaminfer.transport.internal.http;

import com.fasterxml.jackson.core.JsonGenerator;

import java.io.IOException;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Remembers the client's own frame ids by the server's frame sequence number, so a result can echo the id the client
 * sent. Written by the I/O thread before the frame is submitted (the session's queue publishes it to the worker),
 * read by the worker. Numeric ids are kept as {@code long}s: recording and echoing one allocates nothing.
 *
 * <p>Each of the 1024 slots holds one sequence number's id. A slot is written like a sequence lock: its stamp is
 * cleared, the id written, then the stamp set to the sequence number; a reader takes the id only if the stamp
 * names its sequence number before and after reading it, so a slot overwritten by a much later frame is never read
 * half old, half new.
 *
 * <p><b>Note:</b> single writer, any reader; holds the last 1024 ids.
 */
public final class FrameIds {
    private static final int SIZE = 1024;
    /** Stamp of a slot that holds no client id (sequence numbers start at 1). */
    private static final long EMPTY = 0;
    private final AtomicLongArray stamps = new AtomicLongArray(SIZE);
    private final long[] numbers = new long[SIZE];
    /** The text id, or null when the slot holds the numeric id in {@link #numbers}. */
    private final String[] texts = new String[SIZE];

    private static int slot(long seq) {
        return (int) (seq & (SIZE - 1));
    }

    /**
     * @param seq server sequence number
     * @param id  the client's id (String or Number), or null if it sent none
     */
    public void put(long seq, Object id) {
        if (id == null) {
            putNone(seq);
        } else if (id instanceof String s) {
            write(seq, 0, s);
        } else {
            write(seq, ((Number) id).longValue(), null);
        }
    }

    /**
     * @param seq server sequence number
     * @param id  the client's numeric id
     */
    public void putNumber(long seq, long id) {
        write(seq, id, null);
    }

    /**
     * @param seq server sequence number
     * @param id  the client's text id
     */
    public void putText(long seq, String id) {
        write(seq, 0, java.util.Objects.requireNonNull(id, "id"));
    }

    /** @param seq server sequence number of a frame that carried no id of its own */
    public void putNone(long seq) {
        stamps.set(slot(seq), EMPTY);
    }

    private void write(long seq, long number, String text) {
        int i = slot(seq);
        stamps.set(i, EMPTY);
        VarHandle.storeStoreFence(); // the cleared stamp is visible before any of the new id is
        numbers[i] = number;
        texts[i] = text;
        stamps.lazySet(i, seq); // publishes the id
    }

    /**
     * @param seq server sequence number
     * @return the client's id (Long or String), or the sequence number
     */
    public Object get(long seq) {
        int i = slot(seq);
        if (stamps.get(i) == seq) {
            long number = numbers[i];
            String text = texts[i];
            if (unchanged(i, seq)) {
                return text != null ? text : (Object) number;
            }
        }
        return seq;
    }

    /** @return true if slot {@code i} still holds {@code seq}'s id after the reads that precede this call */
    private boolean unchanged(int i, long seq) {
        VarHandle.acquireFence(); // the reads of the id happen before the stamp is checked again
        return stamps.get(i) == seq;
    }

    /**
     * Writes {@code "frame_id": id}, the client's id or else the sequence number; allocates nothing.
     *
     * @param g   generator
     * @param seq server sequence number
     * @throws IOException from the generator
     */
    public void write(JsonGenerator g, long seq) throws IOException {
        int i = slot(seq);
        if (stamps.get(i) == seq) {
            long number = numbers[i];
            String text = texts[i];
            if (unchanged(i, seq)) {
                if (text != null) {
                    g.writeStringField("frame_id", text);
                } else {
                    g.writeNumberField("frame_id", number);
                }
                return;
            }
        }
        g.writeNumberField("frame_id", seq);
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
