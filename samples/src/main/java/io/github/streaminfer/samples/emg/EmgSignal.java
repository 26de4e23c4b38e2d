package io.github.streaminfer.samples.emg;

import io.github.streaminfer.transport.signal.SignalSource;

import java.util.List;
import java.util.SplittableRandom;

/**
 * A synthetic 8-channel surface-EMG source: a hand cycles through {@link #GESTURES}, each held for
 * {@link #HOLD_SECONDS}. At rest every channel carries only low white noise; each gesture adds muscle activity whose
 * spectrum is concentrated in its own band ({@link #BAND_HZ}: a resonator driven by white noise, normalised to unit
 * variance), with a gesture-specific activation pattern over the channels. Windows slide by {@code hop} samples
 * (channel-major, {@code channels × length}), so consecutive windows overlap like a real sliding-window classifier's.
 *
 * <p><b>Note:</b> not thread-safe: one source per stream, called by that stream only.
 */
public final class EmgSignal implements SignalSource {
    /** Channels (electrodes). */
    public static final int CHANNELS = 8;
    /** Samples per window (100 ms at 2 kHz). */
    public static final int WINDOW = 200;
    /** Samples the window slides by (50 ms): 20 windows per second of signal. */
    public static final int HOP = 100;
    /** Sampling rate, Hz. */
    public static final double SAMPLING_RATE = 2000;
    /** Seconds each gesture is held. */
    public static final double HOLD_SECONDS = 1.5;
    /** Gesture names, by class index. */
    public static final List<String> GESTURES = List.of("rest", "fist", "open hand", "pinch", "wrist flexion");
    /** Centre of each gesture's band, Hz (0 for rest). */
    static final double[] BAND_HZ = {0, 60, 160, 280, 420};
    private static final double NOISE = 0.05;
    private static final double POLE_RADIUS = 0.97;

    private final SplittableRandom random;
    private final float[][] history = new float[CHANNELS][WINDOW];
    private final double[] y1 = new double[CHANNELS];
    private final double[] y2 = new double[CHANNELS];
    private long produced;
    private boolean primed;

    /** @param seed the noise seed */
    public EmgSignal(long seed) {
        this.random = new SplittableRandom(seed);
    }

    /**
     * {@return the gesture held at a sample}
     *
     * @param sample sample index from the start of the stream
     */
    public static int gestureAt(long sample) {
        return (int) ((sample / (long) (HOLD_SECONDS * SAMPLING_RATE)) % GESTURES.size());
    }

    /**
     * {@return the gesture of the whole window a stream's n-th frame (1-based) holds, or -1 if it spans a change}
     *
     * @param frame the frame number of the stream's events
     */
    public static int gestureOfFrame(long frame) {
        long first = (frame - 1) * HOP;
        int g = gestureAt(first);
        return gestureAt(first + WINDOW - 1) == g ? g : -1;
    }

    @Override
    public void next(float[] window) {
        int fresh = primed ? HOP : WINDOW;
        for (int c = 0; c < CHANNELS; c++) {
            float[] h = history[c];
            System.arraycopy(h, fresh, h, 0, WINDOW - fresh);
            for (int i = WINDOW - fresh; i < WINDOW; i++) {
                h[i] = sample(c, produced + i - (WINDOW - fresh));
            }
            System.arraycopy(h, 0, window, c * WINDOW, WINDOW);
        }
        produced += fresh;
        primed = true;
    }

    private float sample(int channel, long t) {
        int g = gestureAt(t);
        double v = NOISE * random.nextGaussian();
        if (g > 0) {
            double w = 2 * Math.PI * BAND_HZ[g] / SAMPLING_RATE;
            double r = POLE_RADIUS;
            double a1 = 2 * r * Math.cos(w);
            double a2 = -r * r;
            // unit-variance output of the resonator y = a1 y1 + a2 y2 + e
            double gain = Math.sqrt((1 - r * r) * ((1 + r * r) * (1 + r * r) - a1 * a1) / (1 + r * r));
            double y = a1 * y1[channel] + a2 * y2[channel] + gain * random.nextGaussian();
            y2[channel] = y1[channel];
            y1[channel] = y;
            v += activation(g, channel) * y;
        } else {
            y1[channel] *= 0.5;
            y2[channel] *= 0.5;
        }
        return (float) v;
    }

    /** How strongly a gesture drives a channel, 0.3 to 1. */
    static double activation(int gesture, int channel) {
        return 0.3 + 0.7 * ((channel * 3 + gesture * 5) % 7) / 6.0;
    }
}
