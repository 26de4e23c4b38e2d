package io.github.streaminfer.transport.internal.signal;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.github.streaminfer.session.InferenceResult;
import io.github.streaminfer.transport.internal.http.Json;
import io.github.streaminfer.transport.signal.ClassificationEncoder;
import io.github.streaminfer.transport.signal.ClassificationOut;

/**
 * Formats result events ({@code data: {...}\n\n}) into one reused builder: the fields of the seed's event, numbers
 * written directly, nothing parsed or built as a tree.
 *
 * <p><b>Note:</b> not thread-safe; one per stream, used by its session's worker.
 *
 * @param <O> result value type
 */
final class SignalEventWriter<O> {
    private final ClassificationEncoder<O> encoder;
    private final ClassificationOut cls = new ClassificationOut();
    private final StringBuilder text = new StringBuilder(256);
    private final String backendField;

    SignalEventWriter(ClassificationEncoder<O> encoder, String backend) {
        this.encoder = encoder;
        try {
            this.backendField = ",\"backend\":" + Json.MAPPER.writeValueAsString(backend) + ",\"cpu_percent\":";
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(e);
        }
    }

    /** {@return the event of a successful result, valid until the next call} */
    CharSequence format(InferenceResult<O> r) {
        encoder.encode(r.value(), cls);
        StringBuilder t = text;
        t.setLength(0);
        t.append("data: {\"timestamp\":");
        thousandths(t, System.currentTimeMillis());
        t.append(",\"frame\":").append(r.frameId()).append(",\"latency_ms\":");
        thousandths(t, Math.max(0, (r.publishedNanos() - r.captureNanos() + 500) / 1000));
        t.append(",\"prediction\":").append(cls.prediction()).append(",\"confidence\":");
        number(t, cls.confidence());
        t.append(",\"shape\":[");
        long[] shape = cls.shape();
        for (int i = 0; i < shape.length; i++) {
            if (i > 0) {
                t.append(',');
            }
            t.append(shape[i]);
        }
        t.append(']').append(backendField);
        number(t, CpuLoad.percent());
        return t.append("}\n\n");
    }

    /** Writes {@code v / 1000} with three decimals. */
    static void thousandths(StringBuilder t, long v) {
        if (v < 0) {
            t.append('-');
            v = -v;
        }
        long frac = v % 1000;
        t.append(v / 1000).append('.');
        if (frac < 100) {
            t.append('0');
        }
        if (frac < 10) {
            t.append('0');
        }
        t.append(frac);
    }

    private static void number(StringBuilder t, double v) {
        if (Double.isFinite(v)) {
            t.append(v);
        } else {
            t.append("null");
        }
    }
}
