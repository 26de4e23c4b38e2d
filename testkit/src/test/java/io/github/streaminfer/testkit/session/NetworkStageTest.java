package io.github.streaminfer.testkit.session;

import io.github.streaminfer.backend.LoadedModel;
import io.github.streaminfer.session.IngressPolicy;
import io.github.streaminfer.session.SessionConfig;
import io.github.streaminfer.session.SessionStats;
import io.github.streaminfer.session.Stage;
import io.github.streaminfer.session.StreamingInferenceSession;
import io.github.streaminfer.task.FloatArrayTask;
import io.github.streaminfer.tensor.Tensor;
import io.github.streaminfer.tensor.TensorSpec;
import io.github.streaminfer.testkit.ScriptedModel;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.github.streaminfer.testkit.session.SessionTestSupport.affine;
import static io.github.streaminfer.testkit.session.SessionTestSupport.awaitIdle;
import static org.assertj.core.api.Assertions.assertThat;

/** The session records a backend's {@link LoadedModel#lastRunRemoteNanos()} as the {@link Stage#NETWORK} stage. */
class NetworkStageTest {

    /** A scripted model that reports a fixed wait on a server after each run, as a remote backend would. */
    private record RemoteLike(ScriptedModel delegate, long remoteNanos) implements LoadedModel {
        @Override
        public String backendId() {
            return "remote-like";
        }

        @Override
        public String modelName() {
            return delegate.modelName();
        }

        @Override
        public List<TensorSpec> inputs() {
            return delegate.inputs();
        }

        @Override
        public List<TensorSpec> outputs() {
            return delegate.outputs();
        }

        @Override
        public void run(Tensor[] inputs, Tensor[] outputs) {
            delegate.run(inputs, outputs);
        }

        @Override
        public long lastRunRemoteNanos() {
            return remoteNanos;
        }

        @Override
        public void close() {
            delegate.close();
        }
    }

    private static SessionStats stream(LoadedModel model, int frames) {
        try (var s = StreamingInferenceSession.builder(model, FloatArrayTask.firstInputOutput())
                .config(SessionConfig.DEFAULT.toBuilder().ingress(IngressPolicy.rejectNewest(frames)).build())
                .build()) {
            for (int i = 0; i < frames; i++) {
                s.submit(new float[] {i});
            }
            return awaitIdle(s);
        }
    }

    @Test
    void remoteWaitIsRecordedOncePerInferredFrame() {
        SessionStats st = stream(new RemoteLike(affine(1).build(), 3_000_000), 20);
        assertThat(st.inferred()).isEqualTo(20);
        assertThat(st.latency(Stage.NETWORK).count()).isEqualTo(20);
        assertThat(st.latency(Stage.NETWORK).p50Nanos()).isBetween(2_950_000L, 3_050_000L);
    }

    @Test
    void inProcessModelHasNoNetworkStage() {
        SessionStats st = stream(affine(1).build(), 20);
        assertThat(st.inferred()).isEqualTo(20);
        assertThat(st.latency(Stage.NETWORK).count()).isZero();
    }
}
