package io.github.streaminfer.backend.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import io.github.streaminfer.backend.LoadedModel;
import io.github.streaminfer.backend.ModelOptions;
import io.github.streaminfer.backend.ModelSource;
import io.github.streaminfer.exceptions.InvalidInputException;
import io.github.streaminfer.session.SessionConfig;
import io.github.streaminfer.session.StreamingInferenceSession;
import io.github.streaminfer.synthetic.SyntheticModels.EmgClassifier;
import io.github.streaminfer.task.Activation;
import io.github.streaminfer.task.Classification;
import io.github.streaminfer.task.SignalWindowTask;
import io.github.streaminfer.testkit.models.RealModel;
import org.junit.jupiter.api.Test;

import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class SignalWindowTaskOnnxTest {
    private static final int SR = 16_000;
    private static final int CHUNK = 512;

    /** 16 kHz: 1 s near-silence, 1 s 440 Hz tone, 1 s white noise, 1 s near-silence. */
    static float[] audio() {
        float[] a = new float[4 * SR];
        Random r = new Random(5);
        for (int i = 0; i < a.length; i++) {
            int seg = i / SR;
            a[i] = switch (seg) {
                case 1 -> (float) (0.5 * Math.sin(2 * Math.PI * 440 * i / SR));
                case 2 -> (float) (0.3 * r.nextGaussian());
                default -> (float) (1e-4 * r.nextGaussian());
            };
        }
        return a;
    }

    static List<float[]> chunks(float[] a) {
        List<float[]> out = new ArrayList<>();
        for (int i = 0; i + CHUNK <= a.length; i += CHUNK) {
            out.add(java.util.Arrays.copyOfRange(a, i, i + CHUNK));
        }
        return out;
    }

    /** Silero VAD through ONNX Runtime by hand: state fed back after every chunk. */
    static float[] sileroByHand(List<float[]> chunks) throws Exception {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        float[] probs = new float[chunks.size()];
        try (OrtSession.SessionOptions so = OnnxProviders.sessionOptions(ModelOptions.DEFAULT, "cpu");
             OrtSession s = env.createSession(RealModel.SILERO_VAD_V5.path().toString(), so);
             OnnxTensor sr = OnnxTensor.createTensor(env, LongBuffer.wrap(new long[] {SR}), new long[0])) {
            float[] state = new float[2 * 128];
            for (int k = 0; k < chunks.size(); k++) {
                try (OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(chunks.get(k)), new long[] {1, CHUNK});
                     OnnxTensor st = OnnxTensor.createTensor(env, FloatBuffer.wrap(state), new long[] {2, 1, 128});
                     OrtSession.Result r = s.run(Map.of("input", in, "state", st, "sr", sr))) {
                    probs[k] = ((OnnxTensor) r.get("output").orElseThrow()).getFloatBuffer().get(0);
                    ((OnnxTensor) r.get("stateN").orElseThrow()).getFloatBuffer().get(state);
                }
            }
        }
        return probs;
    }

    @Test
    void sileroVadOverToneSilenceNoiseMatchesOnnxRuntimeByHandAndIsLowOnSilence() throws Exception {
        List<float[]> chunks = chunks(audio());
        float[] expected = sileroByHand(chunks);
        try (LoadedModel model = new OnnxBackend().load(ModelSource.of(RealModel.SILERO_VAD_V5.path()),
                ModelOptions.DEFAULT);
             StreamingInferenceSession<float[], Classification> s = StreamingInferenceSession
                     .builder(model, SignalWindowTask.builder(1, CHUNK, CHUNK).constant("sr", SR)
                             .outputName("output").build())
                     // warm-up runs use sr=16000 from the task and leave no state behind
                     .config(SessionConfig.DEFAULT.toBuilder().warmupIterations(3).build())
                     .recurrentState("stateN", "state").build()) {
            List<Float> probs = SessionRunner.values(s, chunks, c -> c.score(0));
            assertThat(probs).hasSize(chunks.size());
            for (int k = 0; k < probs.size(); k++) {
                assertThat(probs.get(k)).as("chunk %d", k).isEqualTo(expected[k]); // bit for bit
            }
            int perSecond = SR / CHUNK;
            float maxSilence = 0;
            for (int k = 2; k < perSecond; k++) { // first second, after the first two chunks
                maxSilence = Math.max(maxSilence, probs.get(k));
            }
            for (int k = 3 * perSecond + 2; k < probs.size(); k++) {
                maxSilence = Math.max(maxSilence, probs.get(k));
            }
            assertThat(maxSilence).as("speech probability on silence").isLessThan(0.1f);
            String[] names = {"silence", "tone", "noise", "silence"};
            for (int seg = 0; seg < 4; seg++) {
                double sum = 0;
                for (int k = seg * perSecond; k < (seg + 1) * perSecond; k++) {
                    sum += probs.get(k);
                }
                System.out.printf("Silero VAD mean speech probability, %s: %.4f%n", names[seg], sum / perSecond);
            }

            // reset zeroes the recurrent state and the window: the same stream gives the same answers again
            s.reset();
            List<Float> again = SessionRunner.values(s, chunks.subList(0, 40), c -> c.score(0));
            for (int k = 0; k < again.size(); k++) {
                assertThat(again.get(k)).as("after reset, chunk %d", k).isEqualTo(expected[k]);
            }
        }
    }

    @Test
    void twoSessionsShareOneModelWithTheirOwnState() throws Exception {
        List<float[]> a = chunks(audio()).subList(20, 70);
        List<float[]> b = chunks(audio()).subList(60, 110);
        float[] wantA = sileroByHand(a);
        float[] wantB = sileroByHand(b);
        try (LoadedModel model = new OnnxBackend().load(ModelSource.of(RealModel.SILERO_VAD_V5.path()),
                ModelOptions.DEFAULT);
             StreamingInferenceSession<float[], Classification> sa = StreamingInferenceSession
                     .builder(model, SignalWindowTask.builder(1, CHUNK, CHUNK).constant("sr", SR)
                             .outputName("output").build()).recurrentState("stateN", "state").build();
             StreamingInferenceSession<float[], Classification> sb = StreamingInferenceSession
                     .builder(model, SignalWindowTask.builder(1, CHUNK, CHUNK).constant("sr", SR)
                             .outputName("output").build()).recurrentState("stateN", "state").build()) {
            for (int k = 0; k < a.size(); k++) { // interleaved: each session keeps its own recurrent state
                assertThat(SessionRunner.step(sa, a.get(k), c -> c.score(0)).value()).isEqualTo(wantA[k]);
                assertThat(SessionRunner.step(sb, b.get(k), c -> c.score(0)).value()).isEqualTo(wantB[k]);
            }
        }
    }

    @Test
    void sileroWithoutStateFeedbackDiffers() throws Exception {
        // the recurrent state matters: running every chunk from a zero state gives different answers on the tone
        List<float[]> chunks = chunks(audio()).subList(31, 62);
        float[] stateful = sileroByHand(chunks);
        try (LoadedModel model = new OnnxBackend().load(ModelSource.of(RealModel.SILERO_VAD_V5.path()),
                ModelOptions.DEFAULT);
             StreamingInferenceSession<float[], Classification> s = StreamingInferenceSession
                     .builder(model, SignalWindowTask.builder(1, CHUNK, CHUNK).constant("sr", SR)
                             .outputName("output").build()).zeroInput("state").build()) {
            List<Float> stateless = SessionRunner.values(s, chunks, c -> c.score(0));
            boolean differs = false;
            for (int k = 1; k < stateless.size(); k++) {
                differs |= stateless.get(k) != stateful[k];
            }
            assertThat(differs).isTrue();
        }
    }

    @Test
    void sileroWithoutRecurrentStateOrSampleRateIsRefusedAtBuild() throws Exception {
        // a new user's two traps on the real model: the state input left at zero ran silently wrong, and a
        // forgotten "sr" constant failed inside ONNX Runtime on every frame; both are now named at build()
        try (LoadedModel model = new OnnxBackend().load(ModelSource.of(RealModel.SILERO_VAD_V5.path()),
                ModelOptions.DEFAULT)) {
            assertThatThrownBy(() -> StreamingInferenceSession.builder(model, SignalWindowTask.builder(1, CHUNK, CHUNK)
                    .constant("sr", SR).outputName("output").build()).build())
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("'state'").hasMessageContaining("recurrentState");
            assertThatThrownBy(() -> StreamingInferenceSession.builder(model, SignalWindowTask.builder(1, CHUNK, CHUNK)
                    .outputName("output").build()).recurrentState("stateN", "state").build())
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("'sr'").hasMessageNotContaining("'state'");
        }
    }

    /** 2 kHz, 16 channels, interleaved: gesture g activates channels 2g and 2g+1 for 0.25 s each. */
    static float[] emgStream(int[] gestures, int framesPerGesture) {
        Random r = new Random(9);
        float[] s = new float[gestures.length * framesPerGesture * EmgClassifier.CHANNELS];
        for (int f = 0; f < gestures.length * framesPerGesture; f++) {
            int g = gestures[f / framesPerGesture];
            for (int c = 0; c < EmgClassifier.CHANNELS; c++) {
                double amp = c / 2 == g ? 1.0 : 0.05;
                s[f * EmgClassifier.CHANNELS + c] = (float) (amp * r.nextGaussian());
            }
        }
        return s;
    }

    @Test
    void emgClassifierSlidingWindowMatchesJavaReferenceAndFindsTheGesture() {
        EmgClassifier ref = new EmgClassifier(true);
        int hop = 50;
        int[] gestures = {3, 0, 6, 2};
        int perGesture = 500;
        float[] stream = emgStream(gestures, perGesture);
        List<float[]> blocks = new ArrayList<>();
        for (int f = 0; f < stream.length / 16; f += hop) {
            blocks.add(java.util.Arrays.copyOfRange(stream, f * 16, (f + hop) * 16));
        }
        try (LoadedModel model = new OnnxBackend().load(ModelSource.ofBytes("emg.onnx", ref.bytes()),
                ModelOptions.DEFAULT);
             StreamingInferenceSession<float[], Classification> s = StreamingInferenceSession
                     .builder(model, SignalWindowTask.builder(16, 200, hop).topK(3).build()).build()) {
            List<float[]> scores = SessionRunner.values(s, blocks, Classification::scores);
            List<Long> ends = new ArrayList<>();
            for (int b = 0; b < blocks.size(); b++) {
                long end = (long) (b + 1) * hop;
                if (end >= 200) {
                    ends.add(end);
                }
            }
            assertThat(scores).hasSize(ends.size()); // windows start once 200 frames are buffered, then every hop
            for (int k = 0; k < scores.size(); k++) {
                int end = ends.get(k).intValue();
                float[] window = new float[16 * 200];
                for (int c = 0; c < 16; c++) {
                    for (int i = 0; i < 200; i++) {
                        window[c * 200 + i] = stream[(end - 200 + i) * 16 + c];
                    }
                }
                float[] want = ref.reference(window);
                for (int j = 0; j < want.length; j++) {
                    assertThat(scores.get(k)[j]).as("window ending at %d, class %d", end, j).isCloseTo(want[j],
                            within(1e-5f));
                }
                int g = (end - 1) / perGesture;
                if (end - 200 >= g * perGesture) { // window wholly inside one gesture
                    int best = 0;
                    for (int j = 1; j < 7; j++) {
                        best = scores.get(k)[j] > scores.get(k)[best] ? j : best;
                    }
                    assertThat(best).as("gesture at frame %d", end).isEqualTo(gestures[g]);
                }
            }
        }
    }

    @Test
    void zScoreNormalisesEachChannelOfTheWindow() {
        EmgClassifier ref = new EmgClassifier(false);
        float[] stream = emgStream(new int[] {1}, 200);
        for (int i = 0; i < stream.length; i++) {
            stream[i] = stream[i] * 3 + 0.5f; // offset and gain that z-scoring removes
        }
        try (LoadedModel model = new OnnxBackend().load(ModelSource.ofBytes("emg.onnx", ref.bytes()),
                ModelOptions.DEFAULT);
             StreamingInferenceSession<float[], Classification> s = StreamingInferenceSession
                     .builder(model, SignalWindowTask.builder(16, 200, 200)
                             .normalization(SignalWindowTask.Normalization.ZSCORE).activation(Activation.SOFTMAX)
                             .build()).build()) {
            List<float[]> got = SessionRunner.values(s, List.of(stream), Classification::scores);
            float[] window = new float[16 * 200];
            for (int c = 0; c < 16; c++) {
                double m = 0;
                double ss = 0;
                for (int i = 0; i < 200; i++) {
                    m += stream[i * 16 + c];
                    ss += (double) stream[i * 16 + c] * stream[i * 16 + c];
                }
                m /= 200;
                double sd = Math.sqrt(Math.max(0, ss / 200 - m * m)) + 1e-6;
                for (int i = 0; i < 200; i++) {
                    window[c * 200 + i] = (float) ((stream[i * 16 + c] - m) / sd);
                }
            }
            float[] logits = ref.reference(window);
            float[] want = logits.clone();
            Activation.SOFTMAX.apply(want, want.length);
            assertThat(got).hasSize(1);
            for (int j = 0; j < 7; j++) {
                assertThat(got.get(0)[j]).isCloseTo(want[j], within(1e-5f));
            }
        }
    }

    @Test
    void badBlocksFailTheFrameAndLeaveTheWindowAlone() {
        EmgClassifier ref = new EmgClassifier(true);
        try (LoadedModel model = new OnnxBackend().load(ModelSource.ofBytes("emg.onnx", ref.bytes()),
                ModelOptions.DEFAULT);
             StreamingInferenceSession<float[], Classification> s = StreamingInferenceSession
                     .builder(model, SignalWindowTask.builder(16, 200, 200).build()).build()) {
            SessionRunner.Outcome<float[]> odd = SessionRunner.step(s, new float[17], Classification::scores);
            assertThat(odd.success()).isFalse();
            assertThat(odd.error()).isInstanceOf(InvalidInputException.class).hasMessageContaining("multiple of 16");
            float[] nan = new float[16 * 200];
            nan[35] = Float.NaN;
            SessionRunner.Outcome<float[]> bad = SessionRunner.step(s, nan, Classification::scores);
            assertThat(bad.error()).isInstanceOf(InvalidInputException.class).hasMessageContaining("NaN")
                    .hasMessageContaining("channel 3");
            SessionRunner.Outcome<float[]> ok = SessionRunner.step(s, emgStream(new int[] {4}, 200),
                    Classification::scores);
            assertThat(ok.success()).isTrue();
            assertThat(s.stats().inferred()).isEqualTo(1);
        }
    }
}
