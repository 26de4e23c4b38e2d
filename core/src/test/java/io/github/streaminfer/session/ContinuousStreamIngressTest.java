package io.github.streaminfer.session;

import io.github.streaminfer.backend.LoadedModel;
import io.github.streaminfer.task.Classification;
import io.github.streaminfer.task.FloatArrayTask;
import io.github.streaminfer.task.SignalWindowTask;
import io.github.streaminfer.tensor.DType;
import io.github.streaminfer.tensor.Tensor;
import io.github.streaminfer.tensor.TensorSpec;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A task whose frames are parts of one stream ({@code SignalWindowTask}) never runs on an ingress that silently
 * loses frames: the default {@code LATEST_ONLY} becomes a lossless queue, {@code DROP_OLDEST} is refused at
 * {@code build()} with the fix in the message, and only an explicit opt-in keeps a lossy policy.
 */
class ContinuousStreamIngressTest {
    private static final int CHANNELS = 2;
    private static final int BLOCK = 4;

    /** {@code x [1, 2, 4]} → {@code y [1, 3]}; each run takes about 200 µs, slower than a producer loop. */
    private static final class SlowModel implements LoadedModel {
        final AtomicInteger runs = new AtomicInteger();

        @Override
        public String backendId() {
            return "test";
        }

        @Override
        public String modelName() {
            return "slow-window";
        }

        @Override
        public List<TensorSpec> inputs() {
            return List.of(TensorSpec.of("x", DType.FLOAT32, 1, CHANNELS, BLOCK));
        }

        @Override
        public List<TensorSpec> outputs() {
            return List.of(TensorSpec.of("y", DType.FLOAT32, 1, 3));
        }

        @Override
        public void run(Tensor[] inputs, Tensor[] outputs) {
            LockSupport.parkNanos(200_000);
            outputs[0].putFloat(0, inputs[0].getFloat(0));
            outputs[0].putFloat(1, 0);
            outputs[0].putFloat(2, 0);
            runs.incrementAndGet();
        }

        @Override
        public void close() {
        }
    }

    private static SignalWindowTask windowTask() {
        return SignalWindowTask.builder(CHANNELS, BLOCK, BLOCK).build();
    }

    @Test
    void signalWindowTaskOnTheDefaultIngressInfersEveryBlockOfABurst() throws Exception {
        SlowModel model = new SlowModel();
        List<Float> firstSamples = new ArrayList<>();
        StreamingInferenceSession<float[], Classification> s = StreamingInferenceSession.builder(model, windowTask())
                .listener(r -> {
                    synchronized (firstSamples) {
                        firstSamples.add(r.value().score(0));
                    }
                }).build();
        assertThat(s.config().ingress()).isEqualTo(StreamIngress.CONTINUOUS_DEFAULT);
        int blocks = 125;
        for (int b = 0; b < blocks; b++) {
            float[] block = new float[CHANNELS * BLOCK];
            block[0] = b; // sample 0 of channel 0 tells which block the window came from
            assertThat(s.submit(block)).as("block %d", b).isEqualTo(SubmitStatus.ACCEPTED);
        }
        assertThat(s.drainAndClose(10, TimeUnit.SECONDS)).isTrue();
        assertThat(model.runs.get()).isEqualTo(blocks);
        synchronized (firstSamples) {
            assertThat(firstSamples).hasSize(blocks);
            for (int b = 0; b < blocks; b++) {
                assertThat(firstSamples.get(b)).as("window %d comes from block %d", b, b).isEqualTo((float) b);
            }
        }
    }

    @Test
    void dropOldestOnASignalWindowTaskIsRefusedAtBuildNamingTheFix() {
        SessionConfig lossy = SessionConfig.DEFAULT.toBuilder().ingress(IngressPolicy.dropOldest(8)).build();
        assertThatThrownBy(() -> StreamingInferenceSession.builder(new SlowModel(), windowTask()).config(lossy).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("ingress is DROP_OLDEST(8) for SignalWindowTask")
                .hasMessageContaining("IngressPolicy.rejectNewest(n)")
                .hasMessageContaining("IngressPolicy.block(n)")
                .hasMessageContaining("allowLossyIngress(true)");
    }

    @Test
    void allowLossyIngressKeepsTheConfiguredPolicy() {
        try (StreamingInferenceSession<float[], Classification> s = StreamingInferenceSession
                .builder(new SlowModel(), windowTask()).allowLossyIngress(true).build()) {
            assertThat(s.config().ingress()).isEqualTo(IngressPolicy.LATEST_ONLY);
        }
        SessionConfig lossy = SessionConfig.DEFAULT.toBuilder().ingress(IngressPolicy.dropOldest(8)).build();
        try (StreamingInferenceSession<float[], Classification> s = StreamingInferenceSession
                .builder(new SlowModel(), windowTask()).config(lossy).allowLossyIngress(true).build()) {
            assertThat(s.config().ingress()).isEqualTo(IngressPolicy.dropOldest(8));
        }
    }

    @Test
    void explicitLosslessPoliciesAreKeptAsGiven() {
        for (IngressPolicy p : new IngressPolicy[]{IngressPolicy.block(16), IngressPolicy.rejectNewest(16)}) {
            SessionConfig c = SessionConfig.DEFAULT.toBuilder().ingress(p).build();
            try (StreamingInferenceSession<float[], Classification> s = StreamingInferenceSession
                    .builder(new SlowModel(), windowTask()).config(c).build()) {
                assertThat(s.config().ingress()).isEqualTo(p);
            }
        }
    }

    @Test
    void aTaskWhoseFramesStandAloneKeepsLatestOnly() {
        assertThat(FloatArrayTask.firstInputOutput().streamContinuous()).isFalse();
        try (var s = StreamingInferenceSession.builder(new SlowModel(), FloatArrayTask.firstInputOutput()).build()) {
            assertThat(s.config().ingress()).isEqualTo(IngressPolicy.LATEST_ONLY);
        }
    }
}
