package io.github.streaminfer.action;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

class ControlLoopTest {

    @Test
    void pushStyleTicksAtTheControlRateAndSurvivesListenerErrors() throws Exception {
        ActionConfig c = ActionConfig.builder().dim(2).maxHorizon(10).stepPeriod(Duration.ofMillis(10))
                .controlPeriod(Duration.ofMillis(5)).safety(SafetyConfig.builder().staleAfter(Duration.ofSeconds(5)).build())
                .build();
        ActionController ctl = ActionController.builder(c).build();
        ctl.offer(new float[20], 1, ctl.clock().nanoTime());
        AtomicInteger executable = new AtomicInteger();
        AtomicLong calls = new AtomicLong();
        long start = System.nanoTime();
        try (ControlLoop loop = ctl.startLoop(cmd -> {
            if (calls.incrementAndGet() == 3) {
                throw new IllegalStateException("listener bug");
            }
            if (cmd.executable()) {
                executable.incrementAndGet();
            }
        }, pose -> false)) {
            Thread.sleep(300);
            assertThat(loop.isRunning()).isTrue();
            loop.close();
            assertThat(loop.isRunning()).isFalse();
            long elapsedMs = (System.nanoTime() - start) / 1_000_000;
            // 5 ms period: at most one tick per period (plus the first), and on a loaded machine at least a few
            assertThat(loop.ticks() + loop.overruns()).isLessThanOrEqualTo(elapsedMs / 5 + 2);
            assertThat(loop.ticks()).isGreaterThan(10);
            assertThat(loop.listenerErrors()).isEqualTo(1);
            assertThat(loop.lastError()).hasMessage("listener bug");
            assertThat(executable.get()).isGreaterThan(0);
        }
    }
}
