package io.github.streaminfer.testkit.session;

import io.github.streaminfer.backend.ModelSignature;
import io.github.streaminfer.session.SessionConfig;
import io.github.streaminfer.session.SessionStats;
import io.github.streaminfer.session.StreamingInferenceSession;
import io.github.streaminfer.session.SubmitStatus;
import io.github.streaminfer.task.FloatArrayTask;
import io.github.streaminfer.task.FloatVector;
import io.github.streaminfer.task.InferenceTask;
import io.github.streaminfer.tensor.Tensor;
import io.github.streaminfer.tensor.TensorSpec;
import io.github.streaminfer.testkit.ScriptedModel;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Warm-up runs before a session accepts frames: with a warm-up observation they take the whole path (preprocess,
 * model, decode), and in every case they stay out of the client's results and statistics.
 */
class SessionWarmupTest {

    @Test
    void warmupObservationRunsTheWholePathAndNoFrameOfItIsCounted() {
        ScriptedModel model = SessionTestSupport.affine(4).build();
        CountingTask task = new CountingTask();
        List<float[]> delivered = new CopyOnWriteArrayList<>();
        SessionConfig config = SessionConfig.DEFAULT.toBuilder().name("warm").warmupIterations(5).build();
        try (StreamingInferenceSession<float[], FloatVector> s = StreamingInferenceSession.builder(model, task)
                .config(config).warmupObservation(new float[]{9, 9, 9, 9})
                .listener(r -> delivered.add(r.value().toArray())).build()) {
            assertThat(task.preprocessed).as("warm-up frames preprocessed").isEqualTo(5);
            assertThat(task.decoded).as("warm-up frames decoded").isEqualTo(5);
            assertThat(task.resets).as("the task is reset after warm-up").isEqualTo(1);
            assertThat(model.calls()).as("model runs").isEqualTo(5);
            SessionStats before = s.stats();
            assertThat(before.submitted()).isZero();
            assertThat(before.inferred()).isZero();
            assertThat(before.emitted()).isZero();

            for (int i = 1; i <= 3; i++) {
                assertThat(s.submit(new float[]{i, i, i, i})).isEqualTo(SubmitStatus.ACCEPTED);
                int expected = i;
                SessionTestSupport.await("frame " + i, Duration.ofSeconds(30), () -> delivered.size() == expected);
            }
            SessionStats st = SessionTestSupport.awaitIdle(s);
            assertThat(st.submitted()).isEqualTo(3);
            assertThat(st.inferred()).isEqualTo(3);
            assertThat(st.emitted()).isEqualTo(3);
            SessionTestSupport.assertBalanced(st);
            assertThat(model.calls()).isEqualTo(8);
            assertThat(delivered).hasSize(3);
            assertThat(delivered.get(0)).as("the first client frame, not a warm-up frame").containsExactly(3, 3, 3, 3);
        }
    }

    @Test
    void withoutAnObservationOnlyTheModelIsWarmed() {
        ScriptedModel model = SessionTestSupport.affine(4).build();
        CountingTask task = new CountingTask();
        SessionConfig config = SessionConfig.DEFAULT.toBuilder().name("warm-model").warmupIterations(4).build();
        try (StreamingInferenceSession<float[], FloatVector> s = StreamingInferenceSession.builder(model, task)
                .config(config).build()) {
            assertThat(model.calls()).isEqualTo(4);
            assertThat(task.preprocessed).isZero();
            assertThat(task.decoded).isZero();
            assertThat(s.stats().submitted()).isZero();
        }
    }

    /** Counts what the session asks of the task; delegates the work to {@link FloatArrayTask}. */
    private static final class CountingTask implements InferenceTask<float[], FloatVector> {
        private final FloatArrayTask delegate = FloatArrayTask.firstInputOutput();
        volatile int preprocessed;
        volatile int decoded;
        volatile int resets;

        @Override
        public void bind(ModelSignature model) {
            delegate.bind(model);
        }

        @Override
        public long[] inputShape(TensorSpec spec) {
            return delegate.inputShape(spec);
        }

        @Override
        public FloatVector newOutput() {
            return delegate.newOutput();
        }

        @Override
        public void preprocess(float[] observation, Tensor[] inputs) {
            preprocessed++;
            delegate.preprocess(observation, inputs);
        }

        @Override
        public void decode(Tensor[] outputs, FloatVector into) {
            decoded++;
            delegate.decode(outputs, into);
        }

        @Override
        public void reset() {
            resets++;
            delegate.reset();
        }
    }
}
