package io.github.streaminfer.samples.emg;

import io.github.streaminfer.synthetic.OnnxGraphBuilder;
import io.github.streaminfer.synthetic.OnnxGraphBuilder.Attribute;
import io.github.streaminfer.tensor.DType;

import java.util.List;

/**
 * Writes the EMG gesture classifier as an ONNX model: band-power features and a linear layer, weights chosen from
 * the signal's physics rather than trained. Input {@code emg [1, 8, 200]}; each channel goes through
 * {@link #TAPS}-tap band-pass filters (Hann-windowed cosines at the gestures' band centres, one {@code Conv}); the
 * mean square of each filter's output is that band's power; its log goes into a linear layer whose logit for
 * gesture g is the mean over channels of {@code log P(g) - mean of log P(other bands)} (how much band g stands out,
 * independent of the signal's scale), and whose logit for rest is a constant threshold. Output
 * {@code logits [1, 5]}.
 *
 * <p><b>Note:</b> stateless.
 */
public final class EmgClassifier {
    /** Taps of each band-pass filter. */
    public static final int TAPS = 64;
    /** The rest logit: a gesture's band must stand out by more than this (natural log of a power ratio). */
    static final float REST_THRESHOLD = 1.5f;
    private static final float SHARPNESS = 2f;

    private EmgClassifier() {
    }

    /** {@return the model's bytes} */
    public static byte[] bytes() {
        int ch = EmgSignal.CHANNELS;
        int bands = EmgSignal.BAND_HZ.length - 1;
        int classes = EmgSignal.GESTURES.size();
        float[] filters = new float[bands * TAPS];
        for (int b = 0; b < bands; b++) {
            double w = 2 * Math.PI * EmgSignal.BAND_HZ[b + 1] / EmgSignal.SAMPLING_RATE;
            double norm = 0;
            for (int k = 0; k < TAPS; k++) {
                double hann = 0.5 - 0.5 * Math.cos(2 * Math.PI * k / (TAPS - 1));
                filters[b * TAPS + k] = (float) (hann * Math.cos(w * k));
                norm += filters[b * TAPS + k] * filters[b * TAPS + k];
            }
            for (int k = 0; k < TAPS; k++) {
                filters[b * TAPS + k] /= (float) Math.sqrt(norm);
            }
        }
        float[] weights = new float[ch * bands * classes]; // [ch * bands, classes], feature index c * bands + band
        for (int c = 0; c < ch; c++) {
            for (int band = 0; band < bands; band++) {
                for (int g = 1; g < classes; g++) {
                    float v = band == g - 1 ? 1f : -1f / (bands - 1);
                    weights[(c * bands + band) * classes + g] = SHARPNESS * v / ch;
                }
            }
        }
        float[] bias = new float[classes];
        bias[0] = SHARPNESS * REST_THRESHOLD;
        return new OnnxGraphBuilder("emg-band-power-classifier")
                .input("emg", DType.FLOAT32, 1, ch, EmgSignal.WINDOW)
                .output("logits", DType.FLOAT32, 1, classes)
                .initializer("per_channel", new long[] {ch, 1, EmgSignal.WINDOW}, 3)
                .initializer("filters", filters, bands, 1, TAPS)
                .initializer("eps", new float[] {1e-6f})
                .initializer("flat", new long[] {1, (long) ch * bands}, 2)
                .initializer("weights", weights, (long) ch * bands, classes)
                .initializer("bias", bias, classes)
                .node("Reshape", List.of("emg", "per_channel"), List.of("x"))
                .node("Conv", List.of("x", "filters"), List.of("filtered"))
                .node("Mul", List.of("filtered", "filtered"), List.of("squared"))
                .node("ReduceMean", List.of("squared"), List.of("power"), Attribute.ints("axes", 2),
                        Attribute.i("keepdims", 0))
                .node("Add", List.of("power", "eps"), List.of("power_eps"))
                .node("Log", List.of("power_eps"), List.of("log_power"))
                .node("Reshape", List.of("log_power", "flat"), List.of("features"))
                .node("MatMul", List.of("features", "weights"), List.of("mixed"))
                .node("Add", List.of("mixed", "bias"), List.of("logits"))
                .toBytes();
    }
}
