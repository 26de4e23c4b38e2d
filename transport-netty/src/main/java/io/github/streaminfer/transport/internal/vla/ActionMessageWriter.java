package io.github.streaminfer.transport.internal.vla;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonFactoryBuilder;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.JsonRecyclerPools;
import io.github.streaminfer.transport.ActionOut;
import io.github.streaminfer.transport.internal.http.FrameIds;
import io.github.streaminfer.transport.internal.http.Json;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.io.IOException;
import java.io.OutputStream;
import java.math.BigDecimal;

/**
 * Writes the VLA protocol's result messages, {@code action} and the {@code error} of a failed frame, into pooled
 * buffers without allocating: one {@link JsonGenerator} serves the connection for its whole life (each message is
 * written, flushed into its own buffer, and the generator kept for the next), and numbers are formatted into a
 * reused character buffer instead of a {@code String} each. The bytes are those a fresh generator writes for the
 * same calls: numbers as {@link Float#toString(float)} and {@link Double#toString(double)} spell them, the timestamp
 * as {@link BigDecimal#valueOf(long, int) BigDecimal.valueOf(millis, 3)} does.
 *
 * <p><b>Note:</b> one instance per connection, used by one thread at a time (the session's worker).
 */
final class ActionMessageWriter {
    private static final JsonFactory FACTORY = new JsonFactoryBuilder()
            .rootValueSeparator((String) null) // messages go to separate buffers: nothing between them
            .recyclerPool(JsonRecyclerPools.nonRecyclingPool()) // the generator keeps its own buffers while it lives
            .build();
    private static final int INITIAL_CAPACITY = 256;

    private final Sink sink = new Sink();
    private final StringBuilder digits = new StringBuilder(32);
    private final char[] chars = new char[32];
    private JsonGenerator generator;

    /**
     * @param alloc        allocator of the message buffer
     * @param ids          the connection's client frame ids
     * @param seq          the frame's sequence number
     * @param unixMillis   wall-clock time of the message
     * @param action       the action fields
     * @param latencyNanos frame arrival to result publication
     * @return the message; the caller owns it
     * @throws IOException from the generator (the buffer is released and the generator discarded)
     */
    ByteBuf action(ByteBufAllocator alloc, FrameIds ids, long seq, long unixMillis, ActionOut action,
                   long latencyNanos) throws IOException {
        ByteBuf buf = begin(alloc);
        try {
            JsonGenerator g = generator;
            g.writeStartObject();
            g.writeStringField("type", "action");
            ids.write(g, seq);
            g.writeFieldName("timestamp");
            unixSeconds(unixMillis);
            g.writeArrayFieldStart("action");
            float[] v = action.values();
            int dim = action.dim();
            for (int i = 0; i < dim; i++) {
                number(v[i]);
            }
            g.writeEndArray();
            g.writeFieldName("safety_score");
            number(action.safetyScore());
            g.writeFieldName("latency_ms");
            number(Json.millis(latencyNanos));
            g.writeBooleanField("smoothed", action.smoothed());
            g.writeBooleanField("executable", action.executable());
            if (action.interventions() != 0) {
                g.writeNumberField("interventions", action.interventions());
            }
            if (action.horizon() > 1) {
                g.writeArrayFieldStart("action_chunk");
                for (int h = 0; h < action.horizon(); h++) {
                    g.writeStartArray();
                    for (int i = 0; i < dim; i++) {
                        number(v[h * dim + i]);
                    }
                    g.writeEndArray();
                }
                g.writeEndArray();
            }
            g.writeEndObject();
            return finish(buf);
        } catch (IOException | RuntimeException e) {
            abort(buf);
            throw e;
        }
    }

    /**
     * @param alloc   allocator of the message buffer
     * @param ids     the connection's client frame ids
     * @param seq     the frame's sequence number
     * @param code    error code
     * @param message error message
     * @return the {@code error} message; the caller owns it
     * @throws IOException from the generator (the buffer is released and the generator discarded)
     */
    ByteBuf error(ByteBufAllocator alloc, FrameIds ids, long seq, String code, String message) throws IOException {
        ByteBuf buf = begin(alloc);
        try {
            JsonGenerator g = generator;
            g.writeStartObject();
            g.writeStringField("type", "error");
            g.writeStringField("code", code);
            g.writeStringField("message", message);
            ids.write(g, seq);
            g.writeEndObject();
            return finish(buf);
        } catch (IOException | RuntimeException e) {
            abort(buf);
            throw e;
        }
    }

    private ByteBuf begin(ByteBufAllocator alloc) throws IOException {
        if (generator == null) {
            generator = FACTORY.createGenerator(sink);
        }
        ByteBuf buf = alloc.heapBuffer(INITIAL_CAPACITY);
        sink.target = buf;
        return buf;
    }

    private ByteBuf finish(ByteBuf buf) throws IOException {
        generator.flush();
        sink.target = null;
        return buf;
    }

    /** A generator that failed mid-message is in an unknown state: the next message starts a new one. */
    private void abort(ByteBuf buf) {
        sink.target = null;
        generator = null;
        buf.release();
    }

    private void number(float v) throws IOException {
        if (!Float.isFinite(v)) {
            generator.writeNumber(v); // Jackson's own spelling of NaN and the infinities
            return;
        }
        digits.setLength(0);
        digits.append(v);
        writeDigits();
    }

    private void number(double v) throws IOException {
        if (!Double.isFinite(v)) {
            generator.writeNumber(v);
            return;
        }
        digits.setLength(0);
        digits.append(v);
        writeDigits();
    }

    /** Unix seconds with millisecond precision, exactly as {@code BigDecimal.valueOf(millis, 3)} prints them. */
    private void unixSeconds(long millis) throws IOException {
        if (millis < 0) {
            generator.writeNumber(BigDecimal.valueOf(millis, 3));
            return;
        }
        long fraction = millis % 1000;
        digits.setLength(0);
        digits.append(millis / 1000).append('.');
        if (fraction < 100) {
            digits.append('0');
        }
        if (fraction < 10) {
            digits.append('0');
        }
        digits.append(fraction);
        writeDigits();
    }

    private void writeDigits() throws IOException {
        int n = digits.length(); // at most 26 characters: a double, or a long and 4 more
        digits.getChars(0, n, chars, 0);
        generator.writeNumber(chars, 0, n);
    }

    /** The generator's output stream: appends to the current message's buffer. */
    private static final class Sink extends OutputStream {
        ByteBuf target;

        @Override
        public void write(int b) {
            target.writeByte(b);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            ByteBuf t = target;
            if (!t.hasArray()) {
                t.writeBytes(b, off, len);
                return;
            }
            // straight into the heap buffer's array: Netty's writeBytes would make a ByteBuffer view for the copy
            t.ensureWritable(len);
            int at = t.writerIndex();
            System.arraycopy(b, off, t.array(), t.arrayOffset() + at, len);
            t.writerIndex(at + len);
        }
    }
}
