package io.github.streaminfer.transport.signal;

import io.github.streaminfer.transport.SessionFactory;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.LongFunction;

/**
 * Mounts the EMG seed's SSE inference stream and its REST companions ({@code /health}, {@code /infer},
 * {@code /infer/stream}, {@code /infer/stream/stats}, {@code /benchmark}) on one session factory per backend. Each
 * frame is a {@code channels × length} window from a server-side {@link SignalSource}: channel-major and, when the
 * client asks for {@code preprocess}, z-scored by the transport ({@code interleaved} false, for tasks that take whole
 * windows such as {@code FloatArrayTask}); or an interleaved block ({@code s0c0, s0c1, ..., s1c0, ...}) that a
 * windowing task such as {@code SignalWindowTask} slides over and normalises itself ({@code interleaved} true; the
 * factory sees {@code preprocess} in the request's options).
 *
 * @param backends     factories by backend id, in preference order (the first is the default)
 * @param encoder      maps results to prediction and confidence
 * @param channels     channels per window (the seed's 16)
 * @param length       samples per window (the seed's 200)
 * @param samplingRate samples per second (the seed's 2000)
 * @param mode         the signal mode reported as {@code emg_mode} (e.g. {@code synthetic})
 * @param sources      makes a source for a stream, given a seed
 * @param maxFps       highest {@code fps} a stream may ask for
 * @param interleaved  frames are interleaved blocks for a windowing task (see the class description)
 * @param <O>          result value type
 * @since 0.1.0
 */
public record SignalEndpoint<O>(Map<String, SessionFactory<float[], O>> backends, ClassificationEncoder<O> encoder,
                                int channels, int length, double samplingRate, String mode,
                                LongFunction<SignalSource> sources, double maxFps, boolean interleaved) {

    /**
     * @param backends     see the class description
     * @param encoder      see the class description
     * @param channels     see the class description
     * @param length       see the class description
     * @param samplingRate see the class description
     * @param mode         see the class description
     * @param sources      see the class description
     * @param maxFps       see the class description
     * @param interleaved  see the class description
     */
    public SignalEndpoint {
        Objects.requireNonNull(encoder, "encoder");
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(sources, "sources");
        backends = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(backends));
        if (backends.isEmpty()) {
            throw new IllegalArgumentException("backends is empty; allowed: at least one backend factory");
        }
        if (channels < 1 || length < 1 || !(samplingRate > 0)) {
            throw new IllegalArgumentException("channels " + channels + ", length " + length + ", samplingRate "
                    + samplingRate + "; allowed: all > 0");
        }
        if (!(maxFps > 0) || maxFps > 10_000) {
            throw new IllegalArgumentException("maxFps is " + maxFps + "; allowed: (0, 10000]");
        }
    }

    /**
     * A synthetic-signal endpoint with the seed's geometry: 16 channels × 200 samples at 2 kHz, at most 1000 fps.
     *
     * @param backends factories by backend id
     * @param encoder  maps results
     * @param <O>      result type
     * @return the endpoint
     */
    public static <O> SignalEndpoint<O> synthetic(Map<String, SessionFactory<float[], O>> backends,
                                                  ClassificationEncoder<O> encoder) {
        return new SignalEndpoint<>(backends, encoder, 16, 200, 2000, "synthetic",
                seed -> SignalSource.synthetic(16, 200, 2000, 200, seed), 1000, false);
    }

    /**
     * @return a copy whose frames are interleaved blocks of {@code length} samples per channel, for a windowing task
     */
    public SignalEndpoint<O> interleavedBlocks() {
        return new SignalEndpoint<>(backends, encoder, channels, length, samplingRate, mode, sources, maxFps, true);
    }

    /** @return the default backend id */
    public String defaultBackend() {
        return backends.keySet().iterator().next();
    }
}
