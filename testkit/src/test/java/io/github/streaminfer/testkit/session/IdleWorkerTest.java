package io.github.streaminfer.testkit.session;

import io.github.streaminfer.concurrent.IdleStrategy;
import io.github.streaminfer.concurrent.WakeSignal;
import io.github.streaminfer.session.IngressPolicy;
import io.github.streaminfer.session.SessionConfig;
import io.github.streaminfer.session.SessionState;
import io.github.streaminfer.session.SessionStats;
import io.github.streaminfer.session.StreamingInferenceSession;
import io.github.streaminfer.session.SubmitStatus;
import io.github.streaminfer.session.WorkerPool;
import io.github.streaminfer.task.FloatArrayTask;
import io.github.streaminfer.task.FloatVector;
import io.github.streaminfer.testkit.ScriptedModel;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static io.github.streaminfer.testkit.session.SessionTestSupport.assertBalanced;
import static io.github.streaminfer.testkit.session.SessionTestSupport.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Idle workers sleep until work arrives, and every duty they have (frames, pacing, reset, close, blocked producers)
 * still happens. Wake-ups are counted through an idle strategy that tallies the worker's cycles, not timed.
 */
class IdleWorkerTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    /** Counts the worker cycles that end idle and remembers the worker's thread; copies share both. */
    static final class CountingIdle implements IdleStrategy {
        final IdleStrategy delegate;
        final AtomicLong cycles;
        final AtomicReference<Thread> thread;

        CountingIdle(IdleStrategy delegate) {
            this(delegate, new AtomicLong(), new AtomicReference<>());
        }

        private CountingIdle(IdleStrategy delegate, AtomicLong cycles, AtomicReference<Thread> thread) {
            this.delegate = delegate;
            this.cycles = cycles;
            this.thread = thread;
        }

        @Override
        public void idle(int workCount) {
            throw new AssertionError("session workers idle with their wake-up signal");
        }

        @Override
        public void idle(int workCount, WakeSignal signal) {
            thread.set(Thread.currentThread());
            cycles.incrementAndGet();
            delegate.idle(workCount, signal);
        }

        @Override
        public void reset() {
            delegate.reset();
        }

        @Override
        public IdleStrategy copy() {
            return new CountingIdle(delegate.copy(), cycles, thread);
        }
    }

    private static StreamingInferenceSession<float[], FloatVector> session(SessionConfig config, WorkerPool pool) {
        var b = StreamingInferenceSession.builder(SessionTestSupport.affine(1).build(),
                FloatArrayTask.firstInputOutput()).config(config);
        return pool == null ? b.build() : b.workerPool(pool).build();
    }

    private static void awaitInferred(StreamingInferenceSession<?, ?> s, long n) {
        await(s.name() + " to infer " + n + " frames", WAIT, () -> s.stats().inferred() >= n);
    }

    /** Asserts the worker is parked and stays parked, with at most a stray cycle or two, for 200 ms. */
    private static void assertSleeps(CountingIdle idle) throws InterruptedException {
        await("the worker to park", WAIT, () -> idle.thread.get() != null
                && idle.thread.get().getState() == Thread.State.WAITING);
        long before = idle.cycles.get();
        Thread.sleep(200);
        assertThat(idle.cycles.get() - before).as("idle cycles in 200 ms").isLessThanOrEqualTo(2);
        assertThat(idle.thread.get().getState()).isEqualTo(Thread.State.WAITING);
    }

    private static Thread thread(String name) {
        AtomicReference<Thread> found = new AtomicReference<>();
        await("thread " + name, WAIT, () -> {
            for (Thread t : Thread.getAllStackTraces().keySet()) {
                if (t.getName().equals(name)) {
                    found.set(t);
                    return true;
                }
            }
            return false;
        });
        return found.get();
    }

    @Test
    void idleDedicatedWorkerSleepsUntilAFrameWakesIt() throws Exception {
        CountingIdle idle = new CountingIdle(IdleStrategy.parking());
        SessionConfig config = SessionConfig.DEFAULT.toBuilder().name("dedicated").idleStrategy(idle).build();
        try (var s = session(config, null)) {
            assertThat(s.submit(new float[]{1})).isEqualTo(SubmitStatus.ACCEPTED);
            awaitInferred(s, 1);
            assertSleeps(idle);
            long before = idle.cycles.get();
            assertThat(s.submit(new float[]{2})).isEqualTo(SubmitStatus.ACCEPTED);
            awaitInferred(s, 2);
            assertThat(idle.cycles.get()).as("the frame woke the worker").isGreaterThan(before);
            assertSleeps(idle);
        }
    }

    @Test
    void defaultConfigAndDefaultPoolSleepWhenIdle() {
        try (WorkerPool pool = WorkerPool.create("idle-default-pool", 1);
             var pooled = session(SessionConfig.DEFAULT.toBuilder().name("pooled").build(), pool);
             var dedicated = session(SessionConfig.DEFAULT.toBuilder().name("idle-default").build(), null)) {
            Thread poolThread = thread("idle-default-pool-0");
            Thread worker = thread("streaminfer-idle-default");
            await("both workers to park", WAIT, () -> poolThread.getState() == Thread.State.WAITING
                    && worker.getState() == Thread.State.WAITING);
            assertThat(pooled.submit(new float[]{1})).isEqualTo(SubmitStatus.ACCEPTED);
            assertThat(dedicated.submit(new float[]{1})).isEqualTo(SubmitStatus.ACCEPTED);
            awaitInferred(pooled, 1);
            awaitInferred(dedicated, 1);
        }
    }

    @Test
    void idlePoolThreadSleepsAndEachSessionsFrameWakesIt() throws Exception {
        CountingIdle idle = new CountingIdle(IdleStrategy.parking());
        try (WorkerPool pool = new WorkerPool("idle-pool", 1, idle);
             var a = session(SessionConfig.DEFAULT.toBuilder().name("a").build(), pool);
             var b = session(SessionConfig.DEFAULT.toBuilder().name("b").build(), pool)) {
            await("the pool thread to run", WAIT, () -> idle.thread.get() != null);
            assertSleeps(idle);
            assertThat(a.submit(new float[]{1})).isEqualTo(SubmitStatus.ACCEPTED);
            awaitInferred(a, 1);
            assertSleeps(idle);
            assertThat(b.submit(new float[]{1})).isEqualTo(SubmitStatus.ACCEPTED);
            awaitInferred(b, 1);
            assertSleeps(idle);
        }
    }

    @Test
    void pacingStillHoldsWhileTheWorkerSleepsBetweenSlots() {
        CountingIdle idle = new CountingIdle(IdleStrategy.parking());
        long period = TimeUnit.MILLISECONDS.toNanos(20);
        List<Long> starts = new CopyOnWriteArrayList<>();
        SessionConfig config = SessionConfig.DEFAULT.toBuilder().name("paced").ingress(IngressPolicy.block(16))
                .targetFps(50).idleStrategy(idle).build();
        try (var s = StreamingInferenceSession.builder(SessionTestSupport.affine(1).build(),
                        FloatArrayTask.firstInputOutput()).config(config)
                .listener(r -> starts.add(r.submitNanos() + r.queueWaitNanos())).build()) {
            for (int i = 0; i < 10; i++) {
                assertThat(s.submit(new float[]{i})).isEqualTo(SubmitStatus.ACCEPTED);
            }
            awaitInferred(s, 10);
            assertBalanced(s.stats());
        }
        assertThat(starts).hasSize(10);
        // the pace lets a late worker catch up one slot, never more: any two frames apart start a period apart
        for (int k = 0; k + 2 < starts.size(); k++) {
            assertThat(starts.get(k + 2) - starts.get(k)).as("start of frame %d after frame %d", k + 2, k)
                    .isGreaterThanOrEqualTo(period);
        }
        // timed sleeps between slots, not polling: a handful of cycles per frame
        assertThat(idle.cycles.get()).as("worker cycles for 10 paced frames").isLessThan(100);
    }

    @Test
    void closingAParkedSessionEndsItsWorkerWithoutWaitingForTheCloseTimeout() throws Exception {
        CountingIdle idle = new CountingIdle(IdleStrategy.parking());
        SessionConfig config = SessionConfig.DEFAULT.toBuilder().name("closing").idleStrategy(idle)
                .closeTimeout(Duration.ofMinutes(5)).build();
        var s = session(config, null);
        assertThat(s.submit(new float[]{1})).isEqualTo(SubmitStatus.ACCEPTED);
        awaitInferred(s, 1);
        assertSleeps(idle);
        Thread closer = new Thread(s::close, "closer");
        closer.start();
        closer.join(WAIT.toMillis());
        assertThat(closer.isAlive()).as("close still waiting").isFalse();
        idle.thread.get().join(WAIT.toMillis());
        assertThat(idle.thread.get().isAlive()).as("worker still running").isFalse();
        assertThat(s.state()).isEqualTo(SessionState.CLOSED);
    }

    @Test
    void closingAPoolOfParkedThreadsStopsThem() throws Exception {
        CountingIdle idle = new CountingIdle(IdleStrategy.parking());
        WorkerPool pool = new WorkerPool("closing-pool", 2, idle);
        var s = session(SessionConfig.DEFAULT.toBuilder().name("on-pool").build(), pool);
        Thread t0 = thread("closing-pool-0");
        Thread t1 = thread("closing-pool-1");
        await("pool threads to park", WAIT, () -> t0.getState() == Thread.State.WAITING
                && t1.getState() == Thread.State.WAITING);
        pool.close();
        t0.join(WAIT.toMillis());
        t1.join(WAIT.toMillis());
        assertThat(t0.isAlive() || t1.isAlive()).as("a pool thread still runs").isFalse();
        assertThat(s.isClosed()).isTrue();
    }

    @Test
    void resetOfAParkedFailedSessionIsAppliedByTheWorker() {
        ScriptedModel failing = SessionTestSupport.affine(1).failWhen(call -> call == 1).build();
        SessionConfig config = SessionConfig.DEFAULT.toBuilder().name("reset").maxConsecutiveFailures(1)
                .closeTimeout(Duration.ofMinutes(5)).build();
        try (var s = StreamingInferenceSession.builder(failing, FloatArrayTask.firstInputOutput()).config(config)
                .errorHandler((name, frame, error) -> { }).build()) {
            assertThat(s.submit(new float[]{1})).isEqualTo(SubmitStatus.ACCEPTED);
            await("the session to fail", WAIT, () -> s.state() == SessionState.FAILED);
            Thread worker = thread("streaminfer-reset");
            await("the failed worker to park", WAIT, () -> worker.getState() == Thread.State.WAITING);
            s.reset();
            // reset returns early only on its (five minute) timeout, which would leave the session FAILED
            assertThat(s.state()).isEqualTo(SessionState.RUNNING);
            assertThat(s.submit(new float[]{2})).isEqualTo(SubmitStatus.ACCEPTED);
            awaitInferred(s, 1);
        }
    }

    @Test
    void blockProducersWaitingOnAFullQueueAreReleasedByAPacedSleepingWorker() throws Exception {
        SessionConfig config = SessionConfig.DEFAULT.toBuilder().name("block").ingress(IngressPolicy.block(2))
                .targetFps(200).build();
        try (var s = session(config, null)) {
            AtomicLong accepted = new AtomicLong();
            Thread[] producers = new Thread[2];
            for (int p = 0; p < producers.length; p++) {
                producers[p] = new Thread(() -> {
                    for (int i = 0; i < 10; i++) {
                        if (s.submit(new float[]{i}) == SubmitStatus.ACCEPTED) {
                            accepted.incrementAndGet();
                        }
                    }
                }, "block-producer-" + p);
                producers[p].start();
            }
            for (Thread t : producers) {
                t.join(WAIT.toMillis());
                assertThat(t.isAlive()).as("producer still blocked").isFalse();
            }
            assertThat(accepted.get()).isEqualTo(20);
            awaitInferred(s, 20);
            SessionStats st = s.stats();
            assertThat(st.inferred()).isEqualTo(20);
            assertThat(st.dropped() + st.rejected()).isZero();
        }
    }
}
