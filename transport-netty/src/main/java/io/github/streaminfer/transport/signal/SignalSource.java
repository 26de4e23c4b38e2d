package io.github.streaminfer.transport.signal;

import java.util.SplittableRandom;

/**
 * Produces the server-side signal windows of the SSE inference stream ({@code POST /infer/stream}), one
 * {@code channels × length} window (channel-major) per frame, as the EMG seed's dummy/realtime/NinaPro modes do.
 *
 * <p><b>Note:</b> one instance per stream, called from one thread at a time.
 *
 * @since 0.1.0
 */
public interface SignalSource {

    /** @param window receives {@code channels × length} samples, channel-major */
    void next(float[] window);

    /**
     * A synthetic multichannel signal: per channel a sine of its own frequency and phase plus Gaussian noise,
     * continuous across windows that advance by {@code hop} samples.
     *
     * @param channels     channels
     * @param length       samples per window
     * @param samplingRate samples per second
     * @param hop          samples the window advances per frame
     * @param seed         noise seed
     * @return the source
     */
    static SignalSource synthetic(int channels, int length, double samplingRate, int hop, long seed) {
        if (channels < 1 || length < 1 || !(samplingRate > 0) || hop < 1) {
            throw new IllegalArgumentException("channels " + channels + ", length " + length + ", samplingRate "
                    + samplingRate + ", hop " + hop + "; allowed: all > 0");
        }
        SplittableRandom random = new SplittableRandom(seed);
        double[] omega = new double[channels];
        double[] stepSin = new double[channels];
        double[] stepCos = new double[channels];
        for (int c = 0; c < channels; c++) {
            omega[c] = 2 * Math.PI * (20 + 15.0 * c) / samplingRate;
            stepSin[c] = Math.sin(omega[c]);
            stepCos[c] = Math.cos(omega[c]);
        }
        return new SignalSource() {
            private long start;

            @Override
            public void next(float[] window) {
                for (int c = 0; c < channels; c++) {
                    double amp = 0.5 + 0.1 * c;
                    // the sine advances by one sample with a rotation; its phase is set exactly once per window
                    double phase = omega[c] * start + c;
                    double sin = Math.sin(phase);
                    double cos = Math.cos(phase);
                    double ss = stepSin[c];
                    double sc = stepCos[c];
                    int o = c * length;
                    for (int i = 0; i < length; i++) {
                        window[o + i] = (float) (amp * sin + 0.05 * random.nextGaussian());
                        double next = sin * sc + cos * ss;
                        cos = cos * sc - sin * ss;
                        sin = next;
                    }
                }
                start += hop;
            }
        };
    }

    /**
     * Per-channel z-score normalisation in place (the seed's {@code preprocess}); a flat channel becomes zeros.
     *
     * @param window   channel-major samples
     * @param channels channels
     * @param length   samples per channel
     */
    static void zScore(float[] window, int channels, int length) {
        for (int c = 0; c < channels; c++) {
            int o = c * length;
            double sum = 0;
            for (int i = 0; i < length; i++) {
                sum += window[o + i];
            }
            double mean = sum / length;
            double var = 0;
            for (int i = 0; i < length; i++) {
                double d = window[o + i] - mean;
                var += d * d;
            }
            double sd = Math.sqrt(var / length);
            for (int i = 0; i < length; i++) {
                window[o + i] = sd < 1e-12 ? 0f : (float) ((window[o + i] - mean) / sd);
            }
        }
    }
}
