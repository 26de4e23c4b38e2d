package io.github.streaminfer.backend.onnx;

import io.github.streaminfer.session.InferenceResult;
import io.github.streaminfer.session.StreamingInferenceSession;
import io.github.streaminfer.session.SubmitStatus;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;

/** Feeds a session one frame at a time and collects what each frame produced, for deterministic task tests. */
final class SessionRunner {
    private SessionRunner() {
    }

    /** What one frame produced. */
    record Outcome<T>(boolean produced, boolean success, T value, Throwable error) {
    }

    static <I, O, T> Outcome<T> step(StreamingInferenceSession<I, O> s, I observation, Function<O, T> copy) {
        long bufferedBefore = s.stats().buffered();
        SubmitStatus st = s.submit(observation);
        if (st != SubmitStatus.ACCEPTED) {
            throw new AssertionError("submit returned " + st);
        }
        long deadline = System.nanoTime() + 10_000_000_000L;
        InferenceResult<O> r;
        while ((r = s.pollResult()) == null) {
            if (s.stats().buffered() > bufferedBefore) {
                return new Outcome<>(false, false, null, null);
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("frame not processed within 10 s: " + s.stats());
            }
            LockSupport.parkNanos(20_000);
        }
        try {
            if (s.pollResult() != null) {
                throw new AssertionError("one frame produced two results");
            }
            return r.isSuccess() ? new Outcome<>(true, true, copy.apply(r.value()), null)
                    : new Outcome<>(true, false, null, r.error());
        } finally {
            r.release();
        }
    }

    static <I, O, T> List<T> values(StreamingInferenceSession<I, O> s, List<I> observations, Function<O, T> copy) {
        List<T> out = new ArrayList<>();
        for (I o : observations) {
            Outcome<T> r = step(s, o, copy);
            if (r.produced()) {
                if (!r.success()) {
                    throw new AssertionError("frame failed", r.error());
                }
                out.add(r.value());
            }
        }
        return out;
    }

}
