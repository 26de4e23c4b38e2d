package io.github.streaminfer.action;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A real producer thread and a real loop thread: every command must come from exactly one chunk (no torn chunk,
 * no mix of two), and never be stale or non-finite.
 */
class ConcurrentControllerTest {

    @Test
    void producerAndLoopOnTheirOwnThreads() throws Exception {
        int dim = 7;
        int h = 50;
        ActionController ctl = ActionController.builder(ActionConfig.builder().dim(dim).maxHorizon(h)
                .stepPeriod(Duration.ofMillis(1)).controlPeriod(Duration.ofMillis(1)).interpolate(false)
                .smoothing(SmoothingConfig.NONE).handoffCapacity(2)
                .safety(SafetyConfig.builder().staleAfter(Duration.ofSeconds(60)).build()).build()).build();
        AtomicBoolean stop = new AtomicBoolean();
        Thread producer = new Thread(() -> {
            float[] chunk = new float[h * dim];
            long n = 0;
            while (!stop.get()) {
                n++;
                java.util.Arrays.fill(chunk, n % 1_000_000);
                ctl.offer(chunk, n, System.nanoTime());
                if ((n & 15) == 0) {
                    Thread.yield();
                }
            }
        });
        producer.start();
        ActionCommand cmd = new ActionCommand(dim);
        long executable = 0;
        long end = System.nanoTime() + 1_000_000_000L;
        try {
            while (System.nanoTime() < end) {
                ctl.next(System.nanoTime(), cmd);
                if (cmd.executable()) {
                    executable++;
                    double v = cmd.value(0);
                    assertThat(v).isEqualTo(Math.rint(v));
                    for (int d = 1; d < dim; d++) {
                        if (cmd.value(d) != v) {
                            throw new AssertionError("command mixes chunks: " + cmd);
                        }
                    }
                    assertThat((long) v).isEqualTo(cmd.frameId() % 1_000_000);
                }
            }
        } finally {
            stop.set(true);
            producer.join();
        }
        ActionStats s = ctl.stats();
        assertThat(executable).isPositive();
        assertThat(s.chunksAccepted()).isGreaterThan(100);
        assertThat(s.interventions(Intervention.NON_FINITE)).isZero();
    }
}
