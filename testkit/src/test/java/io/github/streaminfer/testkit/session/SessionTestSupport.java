package io.github.streaminfer.testkit.session;

import io.github.streaminfer.session.SessionStats;
import io.github.streaminfer.session.StreamingInferenceSession;
import io.github.streaminfer.tensor.DType;
import io.github.streaminfer.testkit.ScriptedModel;

import java.time.Duration;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/** Helpers shared by the session tests. */
final class SessionTestSupport {
    private SessionTestSupport() {
    }

    /** A model y = 2x + 1 over [1, n] float32. */
    static ScriptedModel.Builder affine(int n) {
        return ScriptedModel.builder().input("x", DType.FLOAT32, 1, n).output("y", DType.FLOAT32, 1, n)
                .script(ScriptedModel.Script.affine(2, 1));
    }

    /** Waits until the condition holds, failing after the timeout. */
    static void await(String what, Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out after " + timeout + " waiting for " + what);
            }
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting for " + what, e);
            }
        }
    }

    /** Waits until nothing is queued or in flight. */
    static SessionStats awaitIdle(StreamingInferenceSession<?, ?> s) {
        await("session '" + s.name() + "' to drain", Duration.ofSeconds(60), () -> s.stats().queued() == 0);
        return s.stats();
    }

    static void assertBalanced(SessionStats st) {
        assertThat(st.isBalanced())
                .as("submitted %d = inferred %d + buffered %d + failed %d + dropped %d + rejected %d + rateLimited %d + queued %d",
                        st.submitted(), st.inferred(), st.buffered(), st.failed(), st.dropped(), st.rejected(),
                        st.rateLimited(), st.queued())
                .isTrue();
    }
}
