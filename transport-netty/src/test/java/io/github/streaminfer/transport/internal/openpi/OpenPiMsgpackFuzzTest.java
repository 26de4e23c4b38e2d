package io.github.streaminfer.transport.internal.openpi;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.github.streaminfer.transport.internal.http.Json;
import io.github.streaminfer.transport.internal.http.ProtocolException;
import io.github.streaminfer.transport.internal.http.WireErrors;
import io.github.streaminfer.transport.openpi.NdArray;

import java.util.Map;

/**
 * Fuzz target for the openpi decoders: {@link Msgpack#decodeObservation} and the {@link NdArray}s it builds from the
 * numpy convention. Whatever the bytes, it returns a flat map or refuses with a client-safe {@link ProtocolException}
 * ({@link WireErrors}); every array it returns holds exactly {@code product(shape) × itemsize} bytes, computed without
 * overflow (issue 11, finding 8: {@code <f8 [2^30, 2^30, 2]} with 0 data bytes), and no key holds a control character
 * that could forge a log line (finding 7).
 */
class OpenPiMsgpackFuzzTest {

    @FuzzTest(maxDuration = "15s")
    void observationsDecodeToConsistentArraysOrRefuseWithProtocolErrors(byte[] message) {
        Map<String, Object> observation;
        try {
            observation = Msgpack.decodeObservation(message, 256);
        } catch (ProtocolException e) {
            WireErrors.requireClientSafe(e, message);
            return;
        }
        for (Map.Entry<String, Object> e : observation.entrySet()) {
            if (e.getValue() instanceof NdArray a) {
                long expected = NdArray.byteSize(a.dtype(), a.shape());
                if (a.data().remaining() != expected) {
                    throw new AssertionError("key " + Json.truncate(e.getKey(), 64) + ": " + a + " holds "
                            + a.data().remaining() + " bytes; its shape needs " + expected);
                }
                if (a.data().remaining() > message.length) {
                    throw new AssertionError("an array larger than the message it came in: " + a);
                }
            }
        }
    }
}
