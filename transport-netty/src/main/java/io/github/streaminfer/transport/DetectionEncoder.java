package io.github.streaminfer.transport;

/**
 * Maps a session's result value to detections.
 *
 * <p><b>Note:</b> called on the session's worker for every successful result; must not block or keep {@code value}.
 *
 * @param <O> result value type
 */
@FunctionalInterface
public interface DetectionEncoder<O> {

    /**
     * @param value the decoded result
     * @param sink  receives each detection
     */
    void encode(O value, DetectionSink sink);
}
