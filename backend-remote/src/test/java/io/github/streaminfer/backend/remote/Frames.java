package io.github.streaminfer.backend.remote;

import io.github.streaminfer.backend.LoadedModel;
import io.github.streaminfer.session.IngressPolicy;
import io.github.streaminfer.session.SessionConfig;
import io.github.streaminfer.session.StreamingInferenceSession;
import io.github.streaminfer.synthetic.SyntheticModels;
import io.github.streaminfer.task.FloatArrayTask;
import io.github.streaminfer.task.FloatVector;

import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/**
 * A session over a model with a listener that keeps every result (successes' values, failures' errors), and a
 * paced submitter, for tests that stream through a remote model.
 *
 * <p><b>Note:</b> one test thread submits; the session's worker records.
 */
final class Frames implements AutoCloseable {
    /** One published result. */
    record Outcome(long frameId, float[] value, Throwable error) {
        boolean ok() {
            return error == null;
        }
    }

    final List<Outcome> outcomes = new CopyOnWriteArrayList<>();
    final StreamingInferenceSession<float[], FloatVector> session;
    private final Random random = new Random(5);

    Frames(LoadedModel model, String name) {
        session = StreamingInferenceSession.builder(model, FloatArrayTask.firstInputOutput())
                .config(SessionConfig.DEFAULT.toBuilder().name(name).ingress(IngressPolicy.dropOldest(4))
                        .maxConsecutiveFailures(1_000_000).build())
                .listener(r -> outcomes.add(new Outcome(r.frameId(), r.isSuccess() ? r.value().toArray() : null,
                        r.error())))
                .errorHandler((s, f, e) -> { })
                .build();
    }

    static float[] observation(Random random) {
        float[] x = new float[SyntheticModels.TinyMlp.IN];
        for (int i = 0; i < x.length; i++) {
            x[i] = random.nextFloat() * 2 - 1;
        }
        return x;
    }

    /** Submits a frame every {@code periodMillis} until {@code until} holds for the outcomes or the time is up. */
    boolean streamUntil(Predicate<List<Outcome>> until, long periodMillis, long timeoutMillis)
            throws InterruptedException {
        long end = System.currentTimeMillis() + timeoutMillis;
        while (System.currentTimeMillis() < end) {
            if (until.test(outcomes)) {
                return true;
            }
            session.submit(observation(random));
            Thread.sleep(periodMillis);
        }
        return until.test(outcomes);
    }

    /** {@return a snapshot of the outcomes from index {@code from} on} */
    List<Outcome> since(int from) {
        List<Outcome> seen = List.copyOf(outcomes);
        return seen.subList(Math.min(from, seen.size()), seen.size());
    }

    /** {@return a predicate: at least {@code n} outcomes after index {@code from} match {@code what}} */
    static Predicate<List<Outcome>> atLeast(int n, int from, Predicate<Outcome> what) {
        return list -> {
            // A snapshot: a sub-list view of the live list throws when a listener appends while it is read.
            List<Outcome> seen = List.copyOf(list);
            return seen.subList(Math.min(from, seen.size()), seen.size()).stream().filter(what).count() >= n;
        };
    }

    @Override
    public void close() {
        session.close();
    }
}
