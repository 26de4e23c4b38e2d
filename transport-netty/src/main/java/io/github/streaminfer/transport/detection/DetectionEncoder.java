package io.github.streaminfer.transport.detection;

import io.github.streaminfer.task.Detections;

/**
 * Maps a session's result value to detections.
 *
 * <p><b>Note:</b> called on the session's worker for every successful result; must not block or keep {@code value}.
 *
 * @param <O> result value type
 * @since 0.1.0
 */
@FunctionalInterface
public interface DetectionEncoder<O> {

    /**
     * @param value the decoded result
     * @param sink  receives each detection
     */
    void encode(O value, DetectionSink sink);

    /**
     * For {@link io.github.streaminfer.task.DetectionTask}'s {@link Detections}: every detection, best first, with its
     * label.
     *
     * @return the encoder
     */
    static DetectionEncoder<Detections> detections() {
        return (d, sink) -> {
            for (int i = 0; i < d.count(); i++) {
                sink.detection(d.x1(i), d.y1(i), d.x2(i), d.y2(i), d.score(i), d.classId(i), d.label(i));
            }
        };
    }
}
