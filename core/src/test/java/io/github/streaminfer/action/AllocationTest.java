package io.github.streaminfer.action;

import org.junit.jupiter.api.Test;

import java.lang.reflect.Method;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** offer and next allocate nothing in steady state (the JMH benchmark measures the same with -prof gc). */
class AllocationTest {

    @Test
    void steadyStateIsAllocationFree() throws Exception {
        // reflection: the test is compiled into the core module, which does not read jdk.management
        Object bean = Class.forName("java.lang.management.ManagementFactory").getMethod("getThreadMXBean").invoke(null);
        Class<?> api = Class.forName("com.sun.management.ThreadMXBean");
        org.junit.jupiter.api.Assumptions.assumeTrue(api.isInstance(bean), "needs com.sun.management.ThreadMXBean");
        Method allocated = api.getMethod("getThreadAllocatedBytes", long.class);
        api.getMethod("setThreadAllocatedMemoryEnabled", boolean.class).invoke(bean, true);
        long tid = Thread.currentThread().getId();
        for (SmoothingConfig s : new SmoothingConfig[]{SmoothingConfig.ema(0.3), SmoothingConfig.movingAverage(5),
                SmoothingConfig.oneEuro(1, 0.5), SmoothingConfig.lowPass(10)}) {
            for (AggregationConfig agg : new AggregationConfig[]{AggregationConfig.latestOnly(),
                    AggregationConfig.temporalEnsemble(0.01), AggregationConfig.weightedBlend(1, 1)}) {
                ActionConfig c = ActionConfig.builder().dim(7).maxHorizon(50).stepPeriod(Duration.ofMillis(20))
                        .controlPeriod(Duration.ofMillis(1)).smoothing(s).aggregation(agg)
                        .safety(SafetyConfig.frankaCartesian().toBuilder()
                                .axisBounds(new double[]{-1, -1, 0, -4, -4, -4, 0}, new double[]{1, 1, 1, 4, 4, 4, 1})
                                .workspace(new int[]{0, 1, 2}, new double[]{-0.8, -0.8, 0.05}, new double[]{0.8, 0.8, 0.9})
                                .maxStep(0.01, 0.01, 0.01, 0.02, 0.02, 0.02, 1)
                                .staleAfter(Duration.ofSeconds(2)).build())
                        .build();
                ActionController ctl = ActionController.builder(c).build();
                ActionCommand cmd = new ActionCommand(7);
                float[] chunk = new float[50 * 7];
                double[] pose = {0.3, 0, 0.5, 0, 0, 0, 0};
                long[] now = {1_000_000_000L};
                Runnable loop = () -> {
                    for (int t = 0; t < 20_000; t++) {
                        if (t % 100 == 0) {
                            for (int i = 0; i < chunk.length; i++) {
                                chunk[i] = (float) (0.1 * Math.sin((t + i) * 1e-3));
                            }
                            ctl.offer(chunk, t, now[0]);
                        }
                        ctl.next(now[0], pose, cmd);
                        now[0] += 1_000_000L;
                    }
                };
                loop.run(); // warm up
                loop.run();
                // a per-tick allocation would show in every run; one-off JIT transitions do not: take the minimum
                long min = Long.MAX_VALUE;
                for (int run = 0; run < 5; run++) {
                    long before = (Long) allocated.invoke(bean, tid);
                    loop.run();
                    long after = (Long) allocated.invoke(bean, tid);
                    min = Math.min(min, after - before);
                }
                assertThat(min).as("bytes allocated by 20,000 ticks with %s, %s (the measurement itself boxes a Long)",
                        s.kind(), agg.mode()).isLessThan(256);
                assertThat(ctl.stats().activeTicks()).isGreaterThan(50_000);
            }
        }
    }
}
