package io.github.streaminfer.testkit.session;

import io.github.streaminfer.concurrent.IdleStrategy;
import io.github.streaminfer.exceptions.InferenceException;
import io.github.streaminfer.exceptions.InvalidInputException;
import io.github.streaminfer.session.InferenceResult;
import io.github.streaminfer.session.IngressPolicy;
import io.github.streaminfer.session.ProducerMode;
import io.github.streaminfer.session.SessionConfig;
import io.github.streaminfer.session.SessionState;
import io.github.streaminfer.session.SessionStats;
import io.github.streaminfer.session.Stage;
import io.github.streaminfer.session.StreamingInferenceSession;
import io.github.streaminfer.session.SubmitStatus;
import io.github.streaminfer.session.WorkerPool;
import io.github.streaminfer.task.FloatArrayTask;
import io.github.streaminfer.task.FloatVector;
import io.github.streaminfer.tensor.DType;
import io.github.streaminfer.testkit.ScriptedModel;
import io.github.streaminfer.time.ManualClock;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static io.github.streaminfer.testkit.session.SessionTestSupport.assertBalanced;
import static io.github.streaminfer.testkit.session.SessionTestSupport.await;
import static io.github.streaminfer.testkit.session.SessionTestSupport.awaitIdle;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SessionBehaviourTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    private static SessionConfig.Builder config(IngressPolicy policy) {
        return SessionConfig.DEFAULT.toBuilder().name("test").ingress(policy).idleStrategy(IdleStrategy.parking());
    }

    /** A model that holds its first run until released, so frames can pile up deterministically. */
    private static final class GatedScript implements ScriptedModel.Script {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final List<Float> seen = new CopyOnWriteArrayList<>();

        @Override
        public void run(io.github.streaminfer.tensor.Tensor[] in, io.github.streaminfer.tensor.Tensor[] out) {
            seen.add(in[0].getFloat(0));
            entered.countDown();
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            out[0].putFloat(0, in[0].getFloat(0));
        }
    }

    @Test
    void latestOnlyInfersTheFreshestFrame() throws Exception {
        GatedScript gate = new GatedScript();
        ScriptedModel model = ScriptedModel.builder().input("x", DType.FLOAT32, 1, 1).output("y", DType.FLOAT32, 1, 1)
                .script(gate).build();
        try (var s = StreamingInferenceSession.builder(model, FloatArrayTask.firstInputOutput())
                .config(config(IngressPolicy.LATEST_ONLY).producerMode(ProducerMode.SINGLE).build()).build()) {
            assertThat(s.submit(new float[]{1})).isEqualTo(SubmitStatus.ACCEPTED);
            assertThat(gate.entered.await(30, TimeUnit.SECONDS)).isTrue();
            // the worker is busy with frame 1; frames 2..100 conflate into one slot
            assertThat(s.submit(new float[]{2})).isEqualTo(SubmitStatus.ACCEPTED);
            for (int i = 3; i <= 100; i++) {
                assertThat(s.submit(new float[]{i})).isEqualTo(SubmitStatus.REPLACED_OLDEST);
            }
            gate.release.countDown();
            SessionStats st = awaitIdle(s);
            assertThat(gate.seen).containsExactly(1f, 100f);
            assertThat(st.inferred()).isEqualTo(2);
            assertThat(st.droppedReplaced()).isEqualTo(98);
            assertBalanced(st);
        }
    }

    @Test
    void latestOnlyNeverGoesBackInTime() throws Exception {
        List<Float> seen = new CopyOnWriteArrayList<>();
        ScriptedModel model = ScriptedModel.builder().input("x", DType.FLOAT32, 1, 1).output("y", DType.FLOAT32, 1, 1)
                .script((in, out) -> seen.add(in[0].getFloat(0))).latencyNanos(20_000).build();
        try (var s = StreamingInferenceSession.builder(model, FloatArrayTask.firstInputOutput())
                .config(config(IngressPolicy.LATEST_ONLY).producerMode(ProducerMode.SINGLE).build()).build()) {
            for (int i = 1; i <= 20_000; i++) {
                s.submit(new float[]{i});
            }
            awaitIdle(s);
        }
        assertThat(seen).isNotEmpty();
        for (int i = 1; i < seen.size(); i++) {
            assertThat(seen.get(i)).as("inference %d", i).isGreaterThan(seen.get(i - 1));
        }
        assertThat(seen.get(seen.size() - 1)).as("the last frame submitted is the last inferred").isEqualTo(20_000f);
    }

    @Test
    void dropOldestKeepsTheNewestFramesInOrder() throws Exception {
        GatedScript gate = new GatedScript();
        ScriptedModel model = ScriptedModel.builder().input("x", DType.FLOAT32, 1, 1).output("y", DType.FLOAT32, 1, 1)
                .script(gate).build();
        try (var s = StreamingInferenceSession.builder(model, FloatArrayTask.firstInputOutput())
                .config(config(IngressPolicy.dropOldest(3)).build()).build()) {
            s.submit(new float[]{0});
            assertThat(gate.entered.await(30, TimeUnit.SECONDS)).isTrue();
            for (int i = 1; i <= 3; i++) {
                assertThat(s.submit(new float[]{i})).isEqualTo(SubmitStatus.ACCEPTED);
            }
            for (int i = 4; i <= 10; i++) {
                assertThat(s.submit(new float[]{i})).isEqualTo(SubmitStatus.REPLACED_OLDEST);
            }
            gate.release.countDown();
            SessionStats st = awaitIdle(s);
            assertThat(gate.seen).containsExactly(0f, 8f, 9f, 10f);
            assertThat(st.droppedReplaced()).isEqualTo(7);
            assertBalanced(st);
        }
    }

    @Test
    void rejectNewestRefusesWhenFull() throws Exception {
        GatedScript gate = new GatedScript();
        ScriptedModel model = ScriptedModel.builder().input("x", DType.FLOAT32, 1, 1).output("y", DType.FLOAT32, 1, 1)
                .script(gate).build();
        try (var s = StreamingInferenceSession.builder(model, FloatArrayTask.firstInputOutput())
                .config(config(IngressPolicy.rejectNewest(2)).build()).build()) {
            s.submit(new float[]{0});
            assertThat(gate.entered.await(30, TimeUnit.SECONDS)).isTrue();
            assertThat(s.submit(new float[]{1})).isEqualTo(SubmitStatus.ACCEPTED);
            assertThat(s.submit(new float[]{2})).isEqualTo(SubmitStatus.ACCEPTED);
            assertThat(s.submit(new float[]{3})).isEqualTo(SubmitStatus.REJECTED_FULL);
            assertThat(s.stats().queued()).isEqualTo(3); // two waiting + one in flight
            gate.release.countDown();
            SessionStats st = awaitIdle(s);
            assertThat(gate.seen).containsExactly(0f, 1f, 2f);
            assertThat(st.rejectedFull()).isEqualTo(1);
            assertBalanced(st);
        }
    }

    @Test
    void blockWaitsForRoomAndKeepsOrder() throws Exception {
        List<Float> seen = new CopyOnWriteArrayList<>();
        ScriptedModel model = ScriptedModel.builder().input("x", DType.FLOAT32, 1, 1).output("y", DType.FLOAT32, 1, 1)
                .script((in, out) -> seen.add(in[0].getFloat(0))).latencyNanos(5_000).build();
        try (var s = StreamingInferenceSession.builder(model, FloatArrayTask.firstInputOutput())
                .config(config(IngressPolicy.block(4)).producerMode(ProducerMode.SINGLE).build()).build()) {
            for (int i = 0; i < 5_000; i++) {
                assertThat(s.submit(new float[]{i})).isEqualTo(SubmitStatus.ACCEPTED);
            }
            SessionStats st = awaitIdle(s);
            assertThat(st.inferred()).isEqualTo(5_000);
            assertBalanced(st);
        }
        assertThat(seen).hasSize(5_000);
        for (int i = 0; i < seen.size(); i++) {
            assertThat(seen.get(i)).isEqualTo((float) i);
        }
    }

    @Test
    void blockedProducerIsReleasedByClose() throws Exception {
        GatedScript gate = new GatedScript();
        ScriptedModel model = ScriptedModel.builder().input("x", DType.FLOAT32, 1, 1).output("y", DType.FLOAT32, 1, 1)
                .script(gate).build();
        var s = StreamingInferenceSession.builder(model, FloatArrayTask.firstInputOutput())
                .config(config(IngressPolicy.block(1)).closeTimeout(Duration.ofSeconds(5)).build()).build();
        s.submit(new float[]{0});
        assertThat(gate.entered.await(30, TimeUnit.SECONDS)).isTrue();
        s.submit(new float[]{1});
        List<SubmitStatus> blocked = new CopyOnWriteArrayList<>();
        Thread producer = new Thread(() -> blocked.add(s.submit(new float[]{2})));
        producer.start();
        Thread.sleep(50);
        assertThat(producer.isAlive()).as("producer waits for room").isTrue();
        Thread closer = new Thread(s::close);
        closer.start();
        producer.join(10_000);
        assertThat(blocked).containsExactly(SubmitStatus.CLOSED);
        gate.release.countDown();
        closer.join(10_000);
        SessionStats st = s.stats();
        assertThat(st.state()).isEqualTo(SessionState.CLOSED);
        assertBalanced(st);
    }

    @Test
    void closeNowWhileInferringWaitsThenFreesAndRefuses() throws Exception {
        GatedScript gate = new GatedScript();
        ScriptedModel model = ScriptedModel.builder().input("x", DType.FLOAT32, 1, 1).output("y", DType.FLOAT32, 1, 1)
                .script(gate).build();
        var s = StreamingInferenceSession.builder(model, FloatArrayTask.firstInputOutput())
                .config(config(IngressPolicy.dropOldest(8)).build()).closeModelOnClose(true).build();
        s.submit(new float[]{1});
        s.submit(new float[]{2});
        s.submit(new float[]{3});
        assertThat(gate.entered.await(30, TimeUnit.SECONDS)).isTrue();
        Thread closer = new Thread(s::closeNow);
        closer.start();
        Thread.sleep(50);
        assertThat(closer.isAlive()).as("close waits for the running inference").isTrue();
        assertThat(s.submit(new float[]{4})).isEqualTo(SubmitStatus.CLOSED);
        gate.release.countDown();
        closer.join(10_000);
        assertThat(closer.isAlive()).isFalse();
        s.close(); // idempotent

        SessionStats st = s.stats();
        assertThat(st.inferred()).isEqualTo(1);
        assertThat(st.droppedClosed()).isEqualTo(2);
        assertThat(st.rejectedClosed()).isEqualTo(1);
        assertThat(st.queued()).isZero();
        assertBalanced(st);
        assertThatThrownBy(s::pollResult).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        assertThatThrownBy(s::reset).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> model.run(null, null)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void closeFromAListenerDoesNotDeadlock() throws Exception {
        AtomicInteger results = new AtomicInteger();
        ScriptedModel model = SessionTestSupport.affine(1).build();
        List<StreamingInferenceSession<float[], FloatVector>> holder = new ArrayList<>();
        var s = StreamingInferenceSession.builder(model, FloatArrayTask.firstInputOutput())
                .config(config(IngressPolicy.LATEST_ONLY).build())
                .listener(r -> {
                    results.incrementAndGet();
                    holder.get(0).close();
                }).build();
        holder.add(s);
        s.submit(new float[]{1});
        await("closed by its listener", WAIT, s::isClosed);
        await("stats settle", WAIT, () -> s.stats().queued() == 0);
        assertThat(results.get()).isEqualTo(1);
        assertThat(s.submit(new float[]{2})).isEqualTo(SubmitStatus.CLOSED);
    }

    @Test
    void failingBackendBecomesErrorResultsThenFailedAfterConsecutiveFailures() throws Exception {
        AtomicLong handled = new AtomicLong();
        List<InferenceResult.Failure> failures = new CopyOnWriteArrayList<>();
        // calls 2 and 3 fail (recovers), then 6.. fail forever
        ScriptedModel model = SessionTestSupport.affine(2).failWhen(c -> c == 2 || c == 3 || c >= 6).build();
        try (var s = StreamingInferenceSession.builder(model, FloatArrayTask.firstInputOutput())
                .config(config(IngressPolicy.block(16)).maxConsecutiveFailures(3).build())
                .errorHandler((name, frame, error) -> handled.incrementAndGet())
                .listener(r -> {
                    if (!r.isSuccess()) {
                        failures.add(r.failure());
                        assertThat(r.error()).isInstanceOf(InferenceException.class);
                    }
                }).build()) {
            for (int i = 0; i < 5; i++) {
                assertThat(s.submit(new float[]{i, i})).isEqualTo(SubmitStatus.ACCEPTED);
                awaitIdle(s);
            }
            SessionStats st = s.stats();
            assertThat(st.state()).isEqualTo(SessionState.RUNNING);
            assertThat(st.inferred()).isEqualTo(3);
            assertThat(st.failedBackend()).isEqualTo(2);

            for (int i = 0; i < 3; i++) {
                s.submit(new float[]{i, i});
                awaitIdle(s);
            }
            await("session to fail", WAIT, () -> s.state() == SessionState.FAILED);
            assertThat(s.failureCause()).hasMessageContaining("3 consecutive backend failures");
            assertThat(s.submit(new float[]{9, 9})).isEqualTo(SubmitStatus.CLOSED);
            st = s.stats();
            assertThat(st.failedBackend()).isEqualTo(5);
            assertThat(st.failureCause()).contains("consecutive");
            assertBalanced(st);
            assertThat(failures).hasSize(5).containsOnly(InferenceResult.Failure.BACKEND);
            assertThat(handled.get()).isGreaterThanOrEqualTo(5);

            s.reset();
            assertThat(s.state()).as("reset returns a failed session to service").isEqualTo(SessionState.RUNNING);
            assertThat(s.submit(new float[]{1, 1})).isEqualTo(SubmitStatus.ACCEPTED);
        }
    }

    @Test
    void throwingListenerIsReportedAndNeverKillsTheWorker() throws Exception {
        AtomicInteger good = new AtomicInteger();
        List<Throwable> errors = new CopyOnWriteArrayList<>();
        try (var s = StreamingInferenceSession.builder(SessionTestSupport.affine(1).build(),
                        FloatArrayTask.firstInputOutput())
                .config(config(IngressPolicy.block(8)).build())
                .listener(r -> {
                    throw new IllegalStateException("listener bug");
                })
                .listener(r -> good.incrementAndGet())
                .errorHandler((name, frame, error) -> errors.add(error)).build()) {
            for (int i = 0; i < 100; i++) {
                s.submit(new float[]{i});
            }
            SessionStats st = awaitIdle(s);
            assertThat(st.inferred()).isEqualTo(100);
            assertThat(st.listenerErrors()).isEqualTo(100);
            assertThat(good.get()).as("later listeners still run").isEqualTo(100);
            assertThat(errors).hasSize(100).allMatch(e -> e.getMessage().equals("listener bug"));
            assertThat(s.state()).isEqualTo(SessionState.RUNNING);
        }
    }

    @Test
    void wrongShapeInputFailsTheFrameWithAClearMessage() throws Exception {
        List<InferenceResult.Failure> kinds = new CopyOnWriteArrayList<>();
        List<String> messages = new CopyOnWriteArrayList<>();
        try (var s = StreamingInferenceSession.builder(SessionTestSupport.affine(4).build(),
                        FloatArrayTask.firstInputOutput())
                .config(config(IngressPolicy.block(8)).maxConsecutiveFailures(1).build())
                .errorHandler((n, f, e) -> { })
                .listener(r -> {
                    if (!r.isSuccess()) {
                        kinds.add(r.failure());
                        messages.add(r.error().getMessage());
                        assertThat(r.error()).isInstanceOf(InvalidInputException.class);
                    }
                }).build()) {
            s.submit(new float[]{1, 2, 3});
            s.submit(new float[]{1, 2, Float.NaN, 4});
            s.submit(new float[]{1, 2, 3, 4});
            SessionStats st = awaitIdle(s);
            assertThat(st.failedInput()).isEqualTo(2);
            assertThat(st.inferred()).isEqualTo(1);
            assertThat(s.state()).as("bad input never fails the session").isEqualTo(SessionState.RUNNING);
            assertBalanced(st);
        }
        assertThat(kinds).containsExactly(InferenceResult.Failure.INVALID_INPUT, InferenceResult.Failure.INVALID_INPUT);
        assertThat(messages.get(0)).contains("'x'").contains("float32[1, 4]").contains("3 values");
        assertThat(messages.get(1)).contains("'x'").contains("element 2").contains("NaN");
    }

    @Test
    void taskThatDoesNotFitTheModelIsRefusedAtBuild() {
        ScriptedModel model = ScriptedModel.builder().input("x", DType.INT64, 1, 4).output("y", DType.FLOAT32, 1, 4)
                .build();
        assertThatThrownBy(() -> StreamingInferenceSession.builder(model, FloatArrayTask.firstInputOutput()).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'x'").hasMessageContaining("INT64");
        assertThatThrownBy(() -> StreamingInferenceSession.builder(SessionTestSupport.affine(4).build(),
                FloatArrayTask.of("nope", "y")).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no input 'nope'")
                .hasMessageContaining("x:float32[1, 4]");
    }

    @Test
    void rateLimitHolds50FpsWithinTwoPercentOverTenSecondsOfFakeClock() throws Exception {
        ManualClock clock = new ManualClock();
        try (var s = StreamingInferenceSession.builder(SessionTestSupport.affine(1).build(),
                        FloatArrayTask.firstInputOutput())
                .config(config(IngressPolicy.dropOldest(1024)).maxFps(50).build()).clock(clock).build()) {
            // 10 s at irregular intervals averaging ~150 fps: 2..11 ms apart
            java.util.Random rnd = new java.util.Random(5);
            long end = clock.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            int accepted = 0;
            int limited = 0;
            while (clock.nanoTime() < end) {
                SubmitStatus st = s.submit(new float[]{1});
                if (st.isAccepted()) {
                    accepted++;
                } else if (st == SubmitStatus.RATE_LIMITED) {
                    limited++;
                }
                clock.advance(TimeUnit.MICROSECONDS.toNanos(2_000 + rnd.nextInt(9_000)));
            }
            assertThat(accepted).as("frames admitted in 10 s at maxFps 50").isBetween(490, 510);
            assertThat(limited).isGreaterThan(0);
            SessionStats st = awaitIdle(s);
            assertThat(st.rateLimited()).isEqualTo(limited);
            assertBalanced(st);
        }
    }

    @Test
    void slowStreamIsNeverRateLimited() throws Exception {
        ManualClock clock = new ManualClock();
        try (var s = StreamingInferenceSession.builder(SessionTestSupport.affine(1).build(),
                        FloatArrayTask.firstInputOutput())
                .config(config(IngressPolicy.dropOldest(64)).maxFps(50).build()).clock(clock).build()) {
            for (int i = 0; i < 500; i++) {
                assertThat(s.submit(new float[]{1}).isAccepted()).isTrue();
                clock.advance(TimeUnit.MILLISECONDS.toNanos(21));
            }
        }
    }

    @Test
    void targetFpsPacesTheWorkerAndConflatesTheRest() throws Exception {
        ManualClock clock = new ManualClock();
        List<Float> seen = new CopyOnWriteArrayList<>();
        ScriptedModel model = ScriptedModel.builder().input("x", DType.FLOAT32, 1, 1).output("y", DType.FLOAT32, 1, 1)
                .script((in, out) -> seen.add(in[0].getFloat(0))).build();
        long period = TimeUnit.MILLISECONDS.toNanos(100);
        long start = clock.nanoTime();
        try (var s = StreamingInferenceSession.builder(model, FloatArrayTask.firstInputOutput())
                .config(config(IngressPolicy.LATEST_ONLY).targetFps(10).build()).clock(clock).build()) {
            // camera at 100 fps for 1 s of fake time; the model is paced to 10 fps, one slot every 100 ms
            for (int i = 1; i <= 100; i++) {
                int done = seen.size();
                s.submit(new float[]{i});
                if (clock.nanoTime() - start >= done * period) {
                    await("the worker to take frame " + i + " in its paced slot", WAIT, () -> seen.size() > done);
                }
                clock.advance(TimeUnit.MILLISECONDS.toNanos(10));
            }
            await("last frame", WAIT, () -> s.stats().queued() == 0);
        }
        // one inference per 100 ms slot (t = 0, 100, ..., 1000 ms), on the freshest frame at that instant: the one
        // submitted in the slot (10k + 1), or the one before it when the worker saw the clock move first (10k)
        assertThat(seen).hasSize(11);
        for (int k = 0; k < seen.size(); k++) {
            float f = seen.get(k);
            assertThat(f == 10 * k + 1 || f == 10 * k || (k == 10 && f == 100))
                    .as("slot %d inferred frame %s", k, f).isTrue();
        }
    }

    @Test
    void resetClearsQueueAndRecurrentState() throws Exception {
        // y = x + state; stateOut = state + x: a running sum the session feeds back
        GatedScript gate = new GatedScript();
        ScriptedModel model = ScriptedModel.builder()
                .input("x", DType.FLOAT32, 1, 1).input("state", DType.FLOAT32, 1, 1)
                .output("y", DType.FLOAT32, 1, 1).output("stateN", DType.FLOAT32, 1, 1)
                .script((in, out) -> {
                    float sum = in[0].getFloat(0) + in[1].getFloat(0);
                    out[0].putFloat(0, sum);
                    out[1].putFloat(0, sum);
                }).build();
        List<Float> ys = new CopyOnWriteArrayList<>();
        try (var s = StreamingInferenceSession.builder(model, FloatArrayTask.of("x", "y"))
                .config(config(IngressPolicy.block(16)).build())
                .recurrentState("stateN", "state")
                .listener(r -> ys.add(r.value().get(0))).build()) {
            for (int i = 1; i <= 4; i++) {
                s.submit(new float[]{i});
            }
            awaitIdle(s);
            assertThat(ys).containsExactly(1f, 3f, 6f, 10f);
            s.reset();
            s.submit(new float[]{5});
            awaitIdle(s);
            assertThat(ys).containsExactly(1f, 3f, 6f, 10f, 5f);
        }
        // reset also discards waiting frames
        ScriptedModel gated = ScriptedModel.builder().input("x", DType.FLOAT32, 1, 1).output("y", DType.FLOAT32, 1, 1)
                .script(gate).build();
        try (var s = StreamingInferenceSession.builder(gated, FloatArrayTask.firstInputOutput())
                .config(config(IngressPolicy.block(8)).build()).build()) {
            s.submit(new float[]{0});
            assertThat(gate.entered.await(30, TimeUnit.SECONDS)).isTrue();
            for (int i = 1; i <= 5; i++) {
                s.submit(new float[]{i});
            }
            Thread resetter = new Thread(s::reset);
            resetter.start();
            Thread.sleep(300); // the reset request is registered before the worker is let go
            gate.release.countDown();
            resetter.join(10_000);
            SessionStats st = awaitIdle(s);
            assertThat(st.droppedReset() + st.inferred()).isEqualTo(6);
            assertThat(st.droppedReset()).isGreaterThanOrEqualTo(4);
            assertBalanced(st);
        }
    }

    @Test
    void resultsArriveThroughRingMailboxAndListenersWithStageTimes() throws Exception {
        AtomicInteger listened = new AtomicInteger();
        try (var s = StreamingInferenceSession.builder(SessionTestSupport.affine(3).latencyNanos(200_000).build(),
                        FloatArrayTask.firstInputOutput())
                .config(config(IngressPolicy.block(8)).resultsCapacity(4).build())
                .listener(r -> listened.incrementAndGet()).build()) {
            assertThat(s.acquireLatest()).isNull();
            for (int i = 1; i <= 10; i++) {
                s.submit(new float[]{i, i, i}, 1000 + i, System.nanoTime());
            }
            SessionStats st = awaitIdle(s);
            assertThat(listened.get()).isEqualTo(10);
            assertThat(st.resultsQueued()).isEqualTo(4);
            assertThat(st.resultsOverflow()).isEqualTo(6);
            List<Long> ids = new ArrayList<>();
            s.drainResults(r -> ids.add(r.frameId()), 100);
            assertThat(ids).containsExactly(1001L, 1002L, 1003L, 1004L);

            InferenceResult<FloatVector> latest = s.acquireLatest();
            assertThat(latest).isNotNull();
            assertThat(latest.frameId()).isEqualTo(1010);
            assertThat(latest.value().toArray()).containsExactly(21f, 21f, 21f);
            assertThat(latest.inferenceNanos()).isGreaterThanOrEqualTo(200_000);
            assertThat(latest.endToEndNanos()).isGreaterThanOrEqualTo(latest.inferenceNanos());
            latest.release();

            assertThat(st.latency(Stage.INFERENCE).count()).isEqualTo(10);
            assertThat(st.latency(Stage.INFERENCE).p50Nanos()).isGreaterThanOrEqualTo(190_000);
            assertThat(st.latency(Stage.END_TO_END).maxNanos())
                    .isGreaterThanOrEqualTo(st.latency(Stage.INFERENCE).maxNanos());
            assertThat(st.actualFps()).isPositive();
        }
    }

    @Test
    void latestMailboxIsSafeUnderConcurrentReaders() throws Exception {
        try (var s = StreamingInferenceSession.builder(SessionTestSupport.affine(8).build(),
                        FloatArrayTask.firstInputOutput())
                .config(config(IngressPolicy.LATEST_ONLY).resultsCapacity(0).build()).build()) {
            AtomicLong torn = new AtomicLong();
            AtomicLong reads = new AtomicLong();
            Thread[] readers = new Thread[2];
            long stopAt = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(700);
            for (int t = 0; t < readers.length; t++) {
                readers[t] = new Thread(() -> {
                    while (System.nanoTime() < stopAt) {
                        InferenceResult<FloatVector> r = s.acquireLatest();
                        if (r == null) {
                            continue;
                        }
                        float[] v = r.value().array();
                        // all 8 elements come from one frame: 2i + 1 everywhere
                        for (int i = 1; i < 8; i++) {
                            if (v[i] != v[0]) {
                                torn.incrementAndGet();
                            }
                        }
                        if (v[0] != 2 * r.frameId() + 1) {
                            torn.incrementAndGet();
                        }
                        reads.incrementAndGet();
                        r.release();
                    }
                });
                readers[t].start();
            }
            for (long i = 1; System.nanoTime() < stopAt; i++) {
                float f = i;
                s.submit(new float[]{f, f, f, f, f, f, f, f}, i, System.nanoTime());
            }
            for (Thread r : readers) {
                r.join();
            }
            assertThat(reads.get()).isPositive();
            assertThat(torn.get()).as("torn or recycled reads").isZero();
        }
    }

    @Test
    void workerPoolServesManySessions() throws Exception {
        try (WorkerPool pool = WorkerPool.create("pool", 2)) {
            List<StreamingInferenceSession<float[], FloatVector>> sessions = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                sessions.add(StreamingInferenceSession.builder(SessionTestSupport.affine(2).build(),
                                FloatArrayTask.firstInputOutput())
                        .config(config(IngressPolicy.block(8)).name("s" + i).build()).workerPool(pool).build());
            }
            assertThat(pool.sessions()).isEqualTo(20);
            for (int round = 0; round < 50; round++) {
                for (var s : sessions) {
                    assertThat(s.submit(new float[]{round, round})).isEqualTo(SubmitStatus.ACCEPTED);
                }
            }
            for (var s : sessions) {
                SessionStats st = awaitIdle(s);
                assertThat(st.inferred()).isEqualTo(50);
                assertBalanced(st);
            }
            sessions.get(0).close();
            assertThat(pool.sessions()).isEqualTo(19);
        }
    }

    @Test
    void drainAndCloseFinishesQueuedFrames() throws Exception {
        var s = StreamingInferenceSession.builder(SessionTestSupport.affine(1).latencyNanos(1_000_000).build(),
                        FloatArrayTask.firstInputOutput())
                .config(config(IngressPolicy.block(32)).build()).build();
        for (int i = 0; i < 20; i++) {
            s.submit(new float[]{i});
        }
        assertThat(s.drainAndClose(10, TimeUnit.SECONDS)).isTrue();
        SessionStats st = s.stats();
        assertThat(st.inferred()).isEqualTo(20);
        assertThat(st.state()).isEqualTo(SessionState.CLOSED);
        assertBalanced(st);
    }
}
