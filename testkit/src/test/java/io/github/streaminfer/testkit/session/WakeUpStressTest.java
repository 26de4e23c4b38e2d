package io.github.streaminfer.testkit.session;

import io.github.streaminfer.concurrent.IdleStrategy;
import io.github.streaminfer.concurrent.WakeSignal;
import io.github.streaminfer.session.IngressPolicy;
import io.github.streaminfer.session.SessionConfig;
import io.github.streaminfer.session.SessionStats;
import io.github.streaminfer.session.StreamingInferenceSession;
import io.github.streaminfer.session.SubmitStatus;
import io.github.streaminfer.session.WorkerPool;
import io.github.streaminfer.task.FloatArrayTask;
import io.github.streaminfer.task.FloatVector;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

import static io.github.streaminfer.testkit.session.SessionTestSupport.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * No wake-up is lost: producers submit bursts separated by random pauses (the pauses land some submits exactly
 * while a worker goes to sleep) to sessions on a shared pool and on dedicated threads, then stop. Every round ends
 * with every producer quiet, so a frame whose wake-up was lost would stay queued forever; each round waits for all
 * sessions to drain and then checks, under {@code BLOCK}, that every submitted frame was inferred. One case widens
 * the race on purpose: its workers dawdle for a random few microseconds between finding no work and going to sleep,
 * the very window in which a frame's wake-up could be lost.
 */
class WakeUpStressTest {
    private static final int PRODUCERS = 4;
    private static final int POOLED = 6;
    private static final int DEDICATED = 2;
    private static final int ROUNDS = 500;
    private static final Duration DRAIN = Duration.ofSeconds(20);

    /** Parks like its delegate, but first spins a random 0 to 20 µs after a cycle that found no work. */
    private static final class SlowToSleep implements IdleStrategy {
        private final IdleStrategy delegate;
        private final SplittableRandom random = new SplittableRandom();

        SlowToSleep(IdleStrategy delegate) {
            this.delegate = delegate;
        }

        @Override
        public void idle(int workCount) {
            throw new AssertionError("session workers idle with their wake-up signal");
        }

        @Override
        public void idle(int workCount, WakeSignal signal) {
            if (workCount == 0) {
                long until = System.nanoTime() + random.nextInt(20_000);
                while (System.nanoTime() - until < 0) {
                    Thread.onSpinWait();
                }
            }
            delegate.idle(workCount, signal);
        }

        @Override
        public void reset() {
            delegate.reset();
        }

        @Override
        public IdleStrategy copy() {
            return new SlowToSleep(delegate.copy());
        }
    }

    @ParameterizedTest(name = "spin {0} ns, slow to sleep {1}")
    @CsvSource({"0, false", "2000, false", "0, true"})
    void everyFrameOfEveryBurstIsInferred(long spinNanos, boolean slowToSleep) throws Exception {
        IdleStrategy parking = IdleStrategy.parking(spinNanos);
        IdleStrategy idle = slowToSleep ? new SlowToSleep(parking) : parking;
        List<StreamingInferenceSession<float[], FloatVector>> sessions = new ArrayList<>();
        try (WorkerPool pool = new WorkerPool("stress", 2, idle)) {
            for (int i = 0; i < POOLED + DEDICATED; i++) {
                SessionConfig config = SessionConfig.DEFAULT.toBuilder().name("stress-" + i)
                        .ingress(IngressPolicy.block(8)).idleStrategy(idle).resultsCapacity(0).build();
                var b = StreamingInferenceSession.builder(SessionTestSupport.affine(1).build(),
                        FloatArrayTask.firstInputOutput()).config(config);
                sessions.add(i < POOLED ? b.workerPool(pool).build() : b.build());
            }
            AtomicLongArray submitted = new AtomicLongArray(sessions.size());
            AtomicLongArray accepted = new AtomicLongArray(sessions.size());
            CyclicBarrier roundStart = new CyclicBarrier(PRODUCERS + 1);
            CyclicBarrier roundEnd = new CyclicBarrier(PRODUCERS + 1);
            AtomicReference<Throwable> producerFailure = new AtomicReference<>();
            List<Thread> producers = new ArrayList<>();
            for (int p = 0; p < PRODUCERS; p++) {
                SplittableRandom random = new SplittableRandom(7919L * (p + 1));
                Thread t = new Thread(() -> {
                    try {
                        for (int round = 0; round < ROUNDS; round++) {
                            roundStart.await();
                            produceRound(random, sessions, submitted, accepted);
                            roundEnd.await();
                        }
                    } catch (Throwable e) {
                        producerFailure.compareAndSet(null, e);
                        roundStart.reset();
                        roundEnd.reset();
                    }
                }, "stress-producer-" + p);
                t.setDaemon(true);
                producers.add(t);
                t.start();
            }
            for (int round = 0; round < ROUNDS; round++) {
                roundStart.await();
                roundEnd.await();
                assertThat(producerFailure.get()).isNull();
                for (int i = 0; i < sessions.size(); i++) {
                    var s = sessions.get(i);
                    long expected = accepted.get(i);
                    await("round " + round + ": " + s.name() + " to infer all " + expected + " frames submitted so far",
                            DRAIN, () -> s.stats().inferred() == expected);
                }
            }
            for (Thread t : producers) {
                t.join(DRAIN.toMillis());
            }
            long total = 0;
            for (int i = 0; i < sessions.size(); i++) {
                SessionStats st = sessions.get(i).stats();
                total += st.submitted();
                assertThat(st.submitted()).as("%s submitted", st.name()).isEqualTo(submitted.get(i));
                assertThat(accepted.get(i)).as("%s: BLOCK accepts every frame", st.name())
                        .isEqualTo(submitted.get(i));
                assertThat(st.inferred()).as("%s inferred", st.name()).isEqualTo(st.submitted());
                assertThat(st.dropped() + st.rejected() + st.rateLimited() + st.failed() + st.queued())
                        .as("%s lost, refused or still queued", st.name()).isZero();
                assertThat(st.isBalanced()).isTrue();
            }
            assertThat(total).isPositive();
        } finally {
            for (var s : sessions) {
                s.close();
            }
        }
    }

    /**
     * A few short bursts to random sessions, each followed by a random pause: none, a spin of up to 30 µs (about as
     * long as a worker takes to drain a burst and go to sleep), a yield, or a park.
     */
    private static void produceRound(SplittableRandom random, List<StreamingInferenceSession<float[], FloatVector>> sessions,
                                     AtomicLongArray submitted, AtomicLongArray accepted) {
        float[] observation = {1};
        int bursts = 1 + random.nextInt(4);
        for (int b = 0; b < bursts; b++) {
            int target = random.nextInt(sessions.size());
            int frames = 1 + random.nextInt(4);
            for (int f = 0; f < frames; f++) {
                submitted.incrementAndGet(target);
                if (sessions.get(target).submit(observation) == SubmitStatus.ACCEPTED) {
                    accepted.incrementAndGet(target);
                }
            }
            switch (random.nextInt(4)) {
                case 0 -> { }
                case 1 -> {
                    long until = System.nanoTime() + random.nextInt(30_000);
                    while (System.nanoTime() - until < 0) {
                        Thread.onSpinWait();
                    }
                }
                case 2 -> Thread.yield();
                default -> LockSupport.parkNanos(1_000 + random.nextInt(100_000));
            }
        }
    }
}
