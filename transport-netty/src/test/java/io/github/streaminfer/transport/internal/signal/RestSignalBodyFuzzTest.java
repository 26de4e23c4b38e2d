package io.github.streaminfer.transport.internal.signal;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.streaminfer.transport.internal.http.Json;
import io.github.streaminfer.transport.internal.http.ProtocolException;
import io.github.streaminfer.transport.internal.http.WireErrors;
import io.netty.buffer.Unpooled;

import java.util.Set;

/**
 * Fuzz target for the JSON body of the signal stream request ({@code POST /infer/stream}): whatever the bytes, it
 * parses into values within their documented ranges or is refused with a client-safe {@link ProtocolException}
 * ({@link WireErrors}); never another exception, never Jackson's text.
 */
class RestSignalBodyFuzzTest {
    private static final Set<String> STREAM_FIELDS = Set.of("duration_seconds", "use_tensorrt", "fps", "preprocess",
            "backend");

    @FuzzTest(maxDuration = "15s")
    void signalStreamRequestsParseWithinRangeOrRefuseWithProtocolErrors(byte[] body) {
        try {
            ObjectNode b = Json.parseObject(Unpooled.wrappedBuffer(body));
            Json.onlyFields(b, "stream request", STREAM_FIELDS);
            double duration = Json.number(b, "duration_seconds", -1, 0, 86_400);
            double fps = Json.number(b, "fps", 30, 1, 1000);
            Json.bool(b, "preprocess", true);
            Json.bool(b, "use_tensorrt", false);
            Json.text(b, "backend", null, 64);
            if (!(duration == -1 || duration >= 0 && duration <= 86_400) || !(fps >= 1 && fps <= 1000)) {
                throw new AssertionError("out of range accepted: duration " + duration + ", fps " + fps);
            }
        } catch (ProtocolException e) {
            WireErrors.requireClientSafe(e, body);
        }
    }
}
