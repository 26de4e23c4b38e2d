package io.github.streaminfer.testkit.session;

import io.github.streaminfer.session.IngressPolicy;
import io.github.streaminfer.session.SessionConfig;
import io.github.streaminfer.session.SessionStats;
import io.github.streaminfer.session.StreamingInferenceSession;
import io.github.streaminfer.session.SubmitStatus;
import io.github.streaminfer.session.WorkerPool;
import io.github.streaminfer.task.FloatArrayTask;
import io.github.streaminfer.task.FloatVector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static io.github.streaminfer.testkit.session.SessionTestSupport.assertBalanced;
import static io.github.streaminfer.testkit.session.SessionTestSupport.await;
import static io.github.streaminfer.testkit.session.SessionTestSupport.awaitIdle;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A pool on executors someone else owns (a server's event loops): a session is bound to the executor that first
 * feeds it, its frames are inferred and delivered on that executor's thread, sessions on one executor share it a
 * frame at a time, no wake-up is lost from foreign threads, paced frames are run by timer, and closing the pool
 * closes its sessions but leaves the executors running.
 */
class ExecutorPoolTest {
    private final ScheduledExecutorService laneA = Executors.newSingleThreadScheduledExecutor(r -> thread(r, "lane-a"));
    private final ScheduledExecutorService laneB = Executors.newSingleThreadScheduledExecutor(r -> thread(r, "lane-b"));

    private static Thread thread(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    @AfterEach
    void stopExecutors() {
        laneA.shutdownNow();
        laneB.shutdownNow();
    }

    private static SessionConfig config(String name, IngressPolicy ingress) {
        return SessionConfig.DEFAULT.toBuilder().name(name).ingress(ingress).resultsCapacity(0).build();
    }

    private static StreamingInferenceSession<float[], FloatVector> session(WorkerPool pool, String name,
                                                                          IngressPolicy ingress,
                                                                          List<String> log) {
        return StreamingInferenceSession.builder(SessionTestSupport.affine(1).build(), FloatArrayTask.firstInputOutput())
                .config(config(name, ingress))
                .listener(r -> log.add(name + ":" + r.value().get(0) + "@" + Thread.currentThread().getName()))
                .workerPool(pool).build();
    }

    @Test
    void framesFedOnAnExecutorAreInferredAndDeliveredOnItsThread() throws Exception {
        List<String> log = new CopyOnWriteArrayList<>();
        try (WorkerPool pool = WorkerPool.onExecutors("lanes", List.of(laneA, laneB))) {
            assertThat(pool.runsOnExecutors()).isTrue();
            assertThat(pool.threads()).isEqualTo(2);
            var s = session(pool, "s", IngressPolicy.LATEST_ONLY, log);
            for (int i = 0; i < 3; i++) {
                float x = i;
                laneB.submit(() -> s.submit(new float[]{x})).get();
                await("frame " + i, Duration.ofSeconds(10), () -> log.size() == 1 + (int) x);
            }
            // y = 2x + 1, computed and delivered on the thread that submitted
            assertThat(log).containsExactly("s:1.0@lane-b", "s:3.0@lane-b", "s:5.0@lane-b");
        }
    }

    @Test
    void sessionsOnOneExecutorTakeTurnsAFrameEach() throws Exception {
        List<String> log = new CopyOnWriteArrayList<>();
        try (WorkerPool pool = WorkerPool.onExecutors("lanes", List.of(laneA))) {
            var busy = session(pool, "busy", IngressPolicy.block(16), log);
            var light = session(pool, "light", IngressPolicy.block(16), log);
            laneA.submit(() -> {
                for (int i = 0; i < 8; i++) {
                    busy.submit(new float[]{i});
                }
                light.submit(new float[]{100});
            }).get();
            await("all nine frames", Duration.ofSeconds(10), () -> log.size() == 9);
            // one frame of each per cycle: the light session's frame waits for at most one of the busy one's
            assertThat(log.indexOf("light:201.0@lane-a")).isBetween(0, 1);
            assertThat(log.stream().filter(e -> e.startsWith("busy:")).toList())
                    .containsExactly("busy:1.0@lane-a", "busy:3.0@lane-a", "busy:5.0@lane-a", "busy:7.0@lane-a",
                            "busy:9.0@lane-a", "busy:11.0@lane-a", "busy:13.0@lane-a", "busy:15.0@lane-a");
        }
    }

    @Test
    void noFrameFromForeignThreadsIsLeftBehind() throws Exception {
        List<StreamingInferenceSession<float[], FloatVector>> sessions = new ArrayList<>();
        try (WorkerPool pool = WorkerPool.onExecutors("lanes", List.of(laneA, laneB))) {
            for (int i = 0; i < 6; i++) {
                sessions.add(StreamingInferenceSession.builder(SessionTestSupport.affine(1).build(),
                                FloatArrayTask.firstInputOutput())
                        .config(config("stress-" + i, IngressPolicy.block(8))).workerPool(pool).build());
            }
            AtomicReference<Throwable> failure = new AtomicReference<>();
            List<Thread> producers = new ArrayList<>();
            long[][] accepted = new long[3][sessions.size()];
            for (int p = 0; p < 3; p++) {
                int id = p;
                SplittableRandom random = new SplittableRandom(31L * (p + 1));
                Thread t = new Thread(() -> {
                    try {
                        for (int round = 0; round < 300; round++) {
                            int target = random.nextInt(sessions.size());
                            int burst = 1 + random.nextInt(6);
                            for (int k = 0; k < burst; k++) {
                                if (sessions.get(target).submit(new float[]{k}) == SubmitStatus.ACCEPTED) {
                                    accepted[id][target]++;
                                }
                            }
                            if (random.nextInt(4) == 0) {
                                TimeUnit.MICROSECONDS.sleep(random.nextInt(200));
                            }
                        }
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                    }
                }, "producer-" + p);
                producers.add(t);
                t.start();
            }
            for (Thread t : producers) {
                t.join();
            }
            assertThat(failure.get()).isNull();
            for (int i = 0; i < sessions.size(); i++) {
                SessionStats st = awaitIdle(sessions.get(i));
                long sent = accepted[0][i] + accepted[1][i] + accepted[2][i];
                assertThat(st.inferred()).as("session %d", i).isEqualTo(sent);
                assertBalanced(st);
            }
        }
    }

    @Test
    void pacedFramesRunByTimerOnTheExecutor() throws Exception {
        List<String> log = new CopyOnWriteArrayList<>();
        try (WorkerPool pool = WorkerPool.onExecutors("lanes", List.of(laneA))) {
            var s = StreamingInferenceSession.builder(SessionTestSupport.affine(1).build(),
                            FloatArrayTask.firstInputOutput())
                    .config(config("paced", IngressPolicy.block(8)).toBuilder().targetFps(50).build())
                    .listener(r -> log.add(Thread.currentThread().getName())).workerPool(pool).build();
            long start = System.nanoTime();
            laneA.submit(() -> {
                for (int i = 0; i < 5; i++) {
                    s.submit(new float[]{i});
                }
            }).get();
            await("five paced frames", Duration.ofSeconds(10), () -> log.size() == 5);
            // 50 fps: the fifth frame starts no earlier than four intervals (80 ms) after the first
            assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(79));
            assertThat(log).containsOnly("lane-a");
        }
    }

    @Test
    void closingThePoolClosesItsSessionsAndLeavesTheExecutorsRunning() throws Exception {
        List<String> log = new CopyOnWriteArrayList<>();
        WorkerPool pool = WorkerPool.onExecutors("lanes", List.of(laneA, laneB));
        var fed = session(pool, "fed", IngressPolicy.LATEST_ONLY, log);
        var neverFed = session(pool, "never-fed", IngressPolicy.LATEST_ONLY, log);
        laneA.submit(() -> fed.submit(new float[]{1})).get();
        await("the fed frame", Duration.ofSeconds(10), () -> log.size() == 1);
        assertThat(pool.sessions()).isEqualTo(2);
        pool.close();
        assertThat(fed.isClosed()).isTrue();
        assertThat(neverFed.isClosed()).isTrue();
        assertThat(pool.sessions()).isZero();
        assertThat(laneA.submit(() -> "still running").get()).isEqualTo("still running");
        assertThatThrownBy(() -> session(pool, "late", IngressPolicy.LATEST_ONLY, log))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    }

    @Test
    void aSessionClosedBeforeItIsFedLeavesThePool() {
        try (WorkerPool pool = WorkerPool.onExecutors("lanes", List.of(laneA))) {
            var s = session(pool, "s", IngressPolicy.LATEST_ONLY, new ArrayList<>());
            assertThat(pool.sessions()).isEqualTo(1);
            s.close();
            assertThat(pool.sessions()).isZero();
            assertThat(s.submit(new float[]{1})).isEqualTo(SubmitStatus.CLOSED);
        }
    }

    @Test
    void anEmptyExecutorListIsRefused() {
        assertThatThrownBy(() -> WorkerPool.onExecutors("lanes", List.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("executors is empty; allowed: at least one executor");
    }
}
