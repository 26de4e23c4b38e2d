package io.github.streaminfer.testkit.session;

import io.github.streaminfer.session.IngressPolicy;
import io.github.streaminfer.session.SessionConfig;
import io.github.streaminfer.session.SessionStats;
import io.github.streaminfer.session.StreamingInferenceSession;
import io.github.streaminfer.session.SubmitStatus;
import io.github.streaminfer.task.FloatArrayTask;
import io.github.streaminfer.task.FloatVector;
import io.github.streaminfer.task.SignalWindowTask;
import io.github.streaminfer.tensor.DType;
import io.github.streaminfer.testkit.ScriptedModel;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static io.github.streaminfer.testkit.session.SessionTestSupport.assertBalanced;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The traps a new user fell into when embedding the library (issue 14): each was silently wrong or wrong only at
 * run time, and each is now refused at {@code build()} or made safe by default.
 */
class EmbeddingTrapsTest {

    /** A Silero-VAD-like signature: a 64-sample window, a recurrent state and a sample-rate scalar. */
    private static ScriptedModel.Builder vadLike() {
        return ScriptedModel.builder()
                .input("input", DType.FLOAT32, -1, 64)
                .input("state", DType.FLOAT32, 2, -1, 8)
                .input("sr", DType.INT64)
                .output("output", DType.FLOAT32, -1, 1)
                .output("stateN", DType.FLOAT32, 2, -1, 8)
                .script(ScriptedModel.Script.noop());
    }

    private static SignalWindowTask.Builder vadTask() {
        return SignalWindowTask.builder(1, 64, 64);
    }

    @Test
    void aRecurrentStateNobodyWritesIsNamedAtBuild() {
        ScriptedModel model = vadLike().build();
        assertThatThrownBy(() -> StreamingInferenceSession.builder(model, vadTask().constant("sr", 16000).build())
                .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'state'")
                .hasMessageContaining("written by no one")
                .hasMessageContaining("recurrentState(output, input)")
                .hasMessageNotContaining("'sr'");
    }

    @Test
    void aForgottenConstantIsNamedAtBuildBeforeTheBackendSeesIt() {
        ScriptedModel model = vadLike().build();
        assertThatThrownBy(() -> StreamingInferenceSession.builder(model, vadTask().build())
                .recurrentState("stateN", "state").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'sr'")
                .hasMessageContaining("constant(\"sr\", 16000)")
                .hasMessageNotContaining("'state'");
        assertThat(model.calls()).as("the model never ran on a zero sample rate").isZero();
    }

    @Test
    void everyInputWrittenOrDeclaredZeroBuilds() {
        ScriptedModel model = vadLike().build();
        try (var s = StreamingInferenceSession.builder(model, vadTask().constant("sr", 16000).build())
                .recurrentState("stateN", "state").build()) {
            assertThat(s.state()).isNotNull();
        }
        try (var s = StreamingInferenceSession.builder(model, vadTask().build())
                .recurrentState("stateN", "state").zeroInput("sr").build()) {
            assertThat(s.state()).isNotNull();
        }
    }

    @Test
    void aZeroInputThatIsNotAModelInputIsRefused() {
        ScriptedModel model = vadLike().build();
        assertThatThrownBy(() -> StreamingInferenceSession.builder(model, vadTask().constant("sr", 16000).build())
                .recurrentState("stateN", "state").zeroInput("sample_rate").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("zeroInput 'sample_rate' is not an input");
    }

    @Test
    void undecidedDynamicDimensionsFailAtBuildNotOnEveryFrame() {
        ScriptedModel model = ScriptedModel.builder().input("x", DType.FLOAT32, -1, 3, -1, -1)
                .output("y", DType.FLOAT32, 1, 2).script(ScriptedModel.Script.noop()).build();
        assertThatThrownBy(() -> StreamingInferenceSession.builder(model, FloatArrayTask.firstInputOutput()).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("input 'x'")
                .hasMessageContaining("undecided")
                .hasMessageContaining("withInputShape");
    }

    @Test
    void aTaskFixesDynamicDimensionsAndFramesOfThatSizeRun() throws Exception {
        ScriptedModel model = ScriptedModel.builder().input("x", DType.FLOAT32, -1, 3, -1, -1)
                .output("y", DType.FLOAT32, 1, 2).script(ScriptedModel.Script.weightedSum()).build();
        FloatArrayTask task = FloatArrayTask.firstInputOutput().withInputShape(1, 3, 96, 96);
        try (var s = StreamingInferenceSession.builder(model, task)
                .config(SessionConfig.DEFAULT.toBuilder().ingress(IngressPolicy.block(4)).build()).build()) {
            float[] frame = new float[3 * 96 * 96];
            frame[0] = 1f;
            assertThat(s.submit(frame)).isEqualTo(SubmitStatus.ACCEPTED);
            SessionStats st = SessionTestSupport.awaitIdle(s);
            assertThat(st.inferred()).isEqualTo(1);
            assertThat(st.failedInput()).isZero();
        }
    }

    @Test
    void aFixedShapeThatContradictsTheModelIsRefused() {
        ScriptedModel model = ScriptedModel.builder().input("x", DType.FLOAT32, -1, 3, -1, -1)
                .output("y", DType.FLOAT32, 1, 2).script(ScriptedModel.Script.noop()).build();
        assertThatThrownBy(() -> StreamingInferenceSession.builder(model,
                FloatArrayTask.firstInputOutput().withInputShape(1, 4, 96, 96)).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("does not fit");
    }

    @Test
    void theSessionBuilderFixesAStateShapeTheTaskCannotDecide() {
        ScriptedModel model = vadLike().build();
        try (var s = StreamingInferenceSession.builder(model, vadTask().constant("sr", 16000).build())
                .recurrentState("stateN", "state").inputShape("state", 2, 1, 8).build()) {
            assertThat(s.state()).isNotNull();
        }
    }

    @Test
    void tryWithResourcesInfersEveryQueuedFrame() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger results = new AtomicInteger();
        ScriptedModel model = ScriptedModel.builder().input("x", DType.FLOAT32, 1, 1).output("y", DType.FLOAT32, 1, 1)
                .script((in, out) -> {
                    try {
                        release.await(30, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }).build();
        StreamingInferenceSession<float[], FloatVector> session;
        try (var s = StreamingInferenceSession.builder(model, FloatArrayTask.firstInputOutput())
                .config(SessionConfig.DEFAULT.toBuilder().ingress(IngressPolicy.block(16)).build())
                .listener(r -> results.incrementAndGet()).build()) {
            session = s;
            for (int i = 0; i < 9; i++) {
                assertThat(s.submit(new float[] {i})).isEqualTo(SubmitStatus.ACCEPTED);
            }
            release.countDown();
        }
        SessionStats st = session.stats();
        assertThat(st.droppedClosed()).isZero();
        assertThat(st.inferred()).isEqualTo(9);
        assertThat(results.get()).isEqualTo(9);
        assertBalanced(st);
    }

    @Test
    void closeNowDiscardsQueuedFramesAndCountsThem() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        ScriptedModel model = ScriptedModel.builder().input("x", DType.FLOAT32, 1, 1).output("y", DType.FLOAT32, 1, 1)
                .script((in, out) -> {
                    entered.countDown();
                    try {
                        release.await(30, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }).build();
        var s = StreamingInferenceSession.builder(model, FloatArrayTask.firstInputOutput())
                .config(SessionConfig.DEFAULT.toBuilder().ingress(IngressPolicy.block(16)).build()).build();
        for (int i = 0; i < 5; i++) {
            s.submit(new float[] {i});
        }
        assertThat(entered.await(30, TimeUnit.SECONDS)).isTrue();
        Thread closer = new Thread(s::closeNow);
        closer.start();
        SessionTestSupport.await("closeNow begins", java.time.Duration.ofSeconds(10), s::isClosed);
        release.countDown();
        closer.join(10_000);
        SessionStats st = s.stats();
        assertThat(st.inferred()).isEqualTo(1);
        assertThat(st.droppedClosed()).isEqualTo(4);
        assertBalanced(st);
    }

    @Test
    void aListenerOnlySessionReportsNoResultsOverflow() throws Exception {
        ScriptedModel model = ScriptedModel.builder().input("x", DType.FLOAT32, 1, 1).output("y", DType.FLOAT32, 1, 1)
                .script(ScriptedModel.Script.affine(1f, 0f)).build();
        AtomicInteger heard = new AtomicInteger();
        try (var s = StreamingInferenceSession.builder(model, FloatArrayTask.firstInputOutput())
                .config(SessionConfig.DEFAULT.toBuilder().ingress(IngressPolicy.block(256)).build())
                .listener(r -> heard.incrementAndGet()).build()) {
            for (int i = 0; i < 200; i++) {
                s.submit(new float[] {i});
            }
            SessionStats st = SessionTestSupport.awaitIdle(s);
            assertThat(st.inferred()).isEqualTo(200);
            assertThat(st.resultsOverflow()).isZero();
            assertThat(heard.get()).isEqualTo(200);
            assertThatThrownBy(s::pollResult).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("resultsCapacity");
        }
    }

    @Test
    void aSessionWithoutListenersStillGetsARingToPoll() throws Exception {
        ScriptedModel model = ScriptedModel.builder().input("x", DType.FLOAT32, 1, 1).output("y", DType.FLOAT32, 1, 1)
                .script(ScriptedModel.Script.affine(2f, 0f)).build();
        try (var s = StreamingInferenceSession.builder(model, FloatArrayTask.firstInputOutput()).build()) {
            s.submit(new float[] {3f});
            SessionTestSupport.awaitIdle(s);
            var r = s.pollResult();
            assertThat(r).isNotNull();
            assertThat(r.value().get(0)).isEqualTo(6f);
            r.release();
        }
    }

    @Test
    void signalTaskJavadocPointsToRecurrentState() throws Exception {
        // the task's own documentation names the session options a recurrent model needs
        java.nio.file.Path file = java.nio.file.Path.of(System.getProperty("user.dir")).getParent()
                .resolve("core/src/main/java/io/github/streaminfer/task/SignalWindowTask.java");
        assertThat(java.nio.file.Files.readString(file)).contains("recurrentState(output, input)")
                .contains("zeroInput(name)");
    }
}
