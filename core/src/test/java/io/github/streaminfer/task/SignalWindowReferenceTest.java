package io.github.streaminfer.task;

import io.github.streaminfer.backend.ModelSignature;
import io.github.streaminfer.tensor.DType;
import io.github.streaminfer.tensor.Tensor;
import io.github.streaminfer.tensor.TensorSpec;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * {@link SignalWindowTask}'s window against a plain reference that keeps the whole signal in a list: random channel
 * counts, windows, hops, block sizes (smaller and larger than the window), both layouts, with and without z-score.
 */
class SignalWindowReferenceTest {

    @Test
    void windowsMatchTheWholeSignalReference() {
        Random rnd = new Random(7);
        for (int trial = 0; trial < 300; trial++) {
            int channels = 1 + rnd.nextInt(4);
            int window = 1 + rnd.nextInt(40);
            int hop = 1 + rnd.nextInt(window);
            var layout = rnd.nextBoolean() ? SignalWindowTask.Layout.CHANNELS_FIRST
                    : SignalWindowTask.Layout.CHANNELS_LAST;
            var norm = rnd.nextBoolean() ? SignalWindowTask.Normalization.ZSCORE
                    : SignalWindowTask.Normalization.NONE;
            SignalWindowTask task = SignalWindowTask.builder(channels, window, hop).layout(layout)
                    .normalization(norm).build();
            long[] shape = layout == SignalWindowTask.Layout.CHANNELS_FIRST
                    ? new long[] {1, channels, window} : new long[] {1, window, channels};
            TensorSpec in = TensorSpec.of("x", DType.FLOAT32, shape);
            task.bind(new ModelSignature(List.of(in), List.of(TensorSpec.of("y", DType.FLOAT32, 1, 2))));
            Tensor[] inputs = {Tensor.allocate(in)};
            List<float[]> signal = new ArrayList<>(); // one entry per frame: its channel values
            int sinceLast = 0;
            for (int block = 0; block < 12; block++) {
                int frames = 1 + rnd.nextInt(2 * window + 3);
                float[] data = new float[frames * channels];
                for (int f = 0; f < frames; f++) {
                    float[] frame = new float[channels];
                    for (int c = 0; c < channels; c++) {
                        frame[c] = (float) rnd.nextGaussian() * (c + 1) + c;
                        data[f * channels + c] = frame[c];
                    }
                    signal.add(frame);
                }
                task.preprocess(data, inputs);
                sinceLast += frames;
                boolean expectReady = signal.size() >= window && sinceLast >= hop;
                assertThat(task.ready()).as("trial %d block %d", trial, block).isEqualTo(expectReady);
                if (!expectReady) {
                    continue;
                }
                sinceLast = 0;
                float[] got = new float[channels * window];
                inputs[0].getFloats(0, got, 0, got.length);
                float[] want = reference(signal, channels, window, layout, norm);
                for (int i = 0; i < want.length; i++) {
                    assertThat(got[i]).as("trial %d block %d element %d", trial, block, i)
                            .isCloseTo(want[i], within(1e-4f * (1 + Math.abs(want[i]))));
                }
            }
        }
    }

    private static float[] reference(List<float[]> signal, int channels, int window, SignalWindowTask.Layout layout,
                                     SignalWindowTask.Normalization norm) {
        float[] out = new float[channels * window];
        int start = signal.size() - window;
        for (int c = 0; c < channels; c++) {
            double mean = 0;
            double sq = 0;
            for (int i = 0; i < window; i++) {
                double v = signal.get(start + i)[c];
                mean += v;
                sq += v * v;
            }
            mean /= window;
            double std = Math.sqrt(Math.max(0, sq / window - mean * mean));
            for (int i = 0; i < window; i++) {
                double v = signal.get(start + i)[c];
                if (norm == SignalWindowTask.Normalization.ZSCORE) {
                    v = (v - mean) / (std + 1e-6);
                }
                int idx = layout == SignalWindowTask.Layout.CHANNELS_FIRST || channels == 1
                        ? c * window + i : i * channels + c;
                out[idx] = (float) v;
            }
        }
        return out;
    }
}
