package io.github.streaminfer.testkit.session;

import io.github.streaminfer.concurrent.IdleStrategy;
import io.github.streaminfer.session.IngressPolicy;
import io.github.streaminfer.session.IngressQueueType;
import io.github.streaminfer.session.ProducerMode;
import io.github.streaminfer.session.SessionConfig;
import io.github.streaminfer.session.SessionStats;
import io.github.streaminfer.session.StreamingInferenceSession;
import io.github.streaminfer.session.SubmitStatus;
import io.github.streaminfer.task.FloatArrayTask;
import io.github.streaminfer.task.FloatVector;
import io.github.streaminfer.testkit.ScriptedModel;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import static io.github.streaminfer.testkit.session.SessionTestSupport.assertBalanced;
import static io.github.streaminfer.testkit.session.SessionTestSupport.awaitIdle;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The accounting identity {@code submitted = inferred + failed + dropped + rejected + rateLimited + queued} under
 * four producer threads submitting 250,000 frames each, for every ingress policy and both queue implementations.
 * Each producer also tallies the statuses it was given, and those tallies must agree with the session's counters.
 */
class IngressAccountingTest {
    private static final int PRODUCERS = 4;
    private static final int FRAMES_PER_PRODUCER = 250_000;

    static Stream<Object[]> policies() {
        List<Object[]> cases = new ArrayList<>();
        for (IngressQueueType type : IngressQueueType.values()) {
            cases.add(new Object[]{IngressPolicy.LATEST_ONLY, type});
            cases.add(new Object[]{IngressPolicy.dropOldest(64), type});
            cases.add(new Object[]{IngressPolicy.rejectNewest(64), type});
            cases.add(new Object[]{IngressPolicy.block(64), type});
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} over {1}")
    @MethodSource("policies")
    void identityHoldsExactlyAfterConcurrentProducers(IngressPolicy policy, IngressQueueType type) throws Exception {
        ScriptedModel model = SessionTestSupport.affine(4).build();
        AtomicLong seenByListener = new AtomicLong();
        SessionConfig config = SessionConfig.DEFAULT.toBuilder().name("accounting").ingress(policy)
                .ingressQueueType(type).producerMode(ProducerMode.MULTI).idleStrategy(IdleStrategy.parking())
                .resultsCapacity(0).build();
        try (StreamingInferenceSession<float[], FloatVector> s = StreamingInferenceSession
                .builder(model, FloatArrayTask.firstInputOutput()).config(config)
                .listener(r -> seenByListener.incrementAndGet()).build()) {

            CyclicBarrier start = new CyclicBarrier(PRODUCERS);
            List<Map<SubmitStatus, Long>> tallies = new ArrayList<>();
            List<Thread> threads = new ArrayList<>();
            for (int p = 0; p < PRODUCERS; p++) {
                Map<SubmitStatus, Long> tally = new EnumMap<>(SubmitStatus.class);
                tallies.add(tally);
                float[] obs = {p, p, p, p};
                Thread t = new Thread(() -> {
                    long[] counts = new long[SubmitStatus.values().length];
                    try {
                        start.await();
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                    for (int i = 0; i < FRAMES_PER_PRODUCER; i++) {
                        counts[s.submit(obs).ordinal()]++;
                    }
                    for (SubmitStatus st : SubmitStatus.values()) {
                        tally.put(st, counts[st.ordinal()]);
                    }
                }, "producer-" + p);
                threads.add(t);
                t.start();
            }
            for (Thread t : threads) {
                t.join(120_000);
                assertThat(t.isAlive()).as("producer finished").isFalse();
            }

            SessionStats st = awaitIdle(s);
            long total = (long) PRODUCERS * FRAMES_PER_PRODUCER;
            assertThat(st.submitted()).isEqualTo(total);
            assertBalanced(st);
            assertThat(st.queued()).isZero();
            assertThat(st.failed()).isZero();
            assertThat(st.rateLimited()).isZero();
            assertThat(seenByListener.get()).isEqualTo(st.inferred());
            assertThat(model.calls()).isEqualTo(st.inferred());

            long accepted = sum(tallies, SubmitStatus.ACCEPTED) + sum(tallies, SubmitStatus.REPLACED_OLDEST);
            assertThat(st.accepted()).isEqualTo(accepted);
            assertThat(st.rejectedFull()).isEqualTo(sum(tallies, SubmitStatus.REJECTED_FULL));
            assertThat(sum(tallies, SubmitStatus.CLOSED)).isZero();
            // every accepted frame was either inferred or replaced by a newer one
            assertThat(st.inferred() + st.droppedReplaced()).isEqualTo(accepted);

            switch (policy.kind()) {
                case BLOCK -> {
                    assertThat(st.inferred()).as("BLOCK loses nothing").isEqualTo(total);
                    assertThat(st.dropped() + st.rejected()).isZero();
                }
                case REJECT_NEWEST -> assertThat(st.droppedReplaced()).isZero();
                case DROP_OLDEST, LATEST_ONLY -> assertThat(st.rejectedFull())
                        .as("replacing policies refuse only when every slot is mid-offer")
                        .isLessThan(total / 100);
            }
        }
    }

    private static long sum(List<Map<SubmitStatus, Long>> tallies, SubmitStatus status) {
        return tallies.stream().mapToLong(m -> m.getOrDefault(status, 0L)).sum();
    }
}
