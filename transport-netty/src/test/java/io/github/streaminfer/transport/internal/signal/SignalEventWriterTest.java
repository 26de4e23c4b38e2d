package io.github.streaminfer.transport.internal.signal;

import io.github.streaminfer.transport.signal.SignalSource;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The stream's hand-written event numbers, and the synthetic source whose sines advance by rotation. */
class SignalEventWriterTest {

    private static String thousandths(long v) {
        StringBuilder t = new StringBuilder();
        SignalEventWriter.thousandths(t, v);
        return t.toString();
    }

    @Test
    void thousandthsAreWrittenWithThreeDecimalsAndParseBack() {
        assertThat(thousandths(0)).isEqualTo("0.000");
        assertThat(thousandths(5)).isEqualTo("0.005");
        assertThat(thousandths(42)).isEqualTo("0.042");
        assertThat(thousandths(1234)).isEqualTo("1.234");
        assertThat(thousandths(1_733_580_000_123L)).isEqualTo("1733580000.123");
        assertThat(thousandths(-1500)).isEqualTo("-1.500");
        for (long v : new long[]{0, 1, 99, 100, 999, 1000, 1001, 123_456_789}) {
            assertThat(Double.parseDouble(thousandths(v))).isEqualTo(v / 1000.0);
        }
    }

    @Test
    void syntheticSourceIsItsClosedFormSinePlusSmallNoiseAcrossWindows() {
        int channels = 16;
        int length = 200;
        double rate = 2000;
        SignalSource s = SignalSource.synthetic(channels, length, rate, length, 7);
        float[] w = new float[channels * length];
        for (int window = 0; window < 5; window++) {
            s.next(w);
            for (int c = 0; c < channels; c++) {
                double amp = 0.5 + 0.1 * c;
                double sum = 0;
                double sq = 0;
                for (int i = 0; i < length; i++) {
                    double t = ((long) window * length + i) / rate;
                    double r = w[c * length + i] - amp * Math.sin(2 * Math.PI * (20 + 15.0 * c) * t + c);
                    sum += r;
                    sq += r * r;
                }
                double mean = sum / length;
                double sd = Math.sqrt(sq / length - mean * mean);
                // what is left is the Gaussian noise of standard deviation 0.05; a wrong phase would leave O(amp)
                assertThat(Math.abs(mean)).as("window %d channel %d", window, c).isLessThan(0.02);
                assertThat(sd).as("window %d channel %d", window, c).isBetween(0.035, 0.065);
            }
        }
    }
}
