package io.github.streaminfer.action;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The step queue against a plain reference implementation (lists of predictions per step): latest-only, ACT
 * temporal ensembling and weighted blend, with late chunks, overlapping chunks, gaps and the rule that steps at or
 * before the last executed one never change.
 */
class AggregationPropertiesTest {
    static final long STEP = 10_000_000L;
    static final long T0 = 50_000_000_000L;

    @Property(tries = 300)
    void matchesReference(@ForAll long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        int dim = 1 + rnd.nextInt(3);
        int maxH = 1 + rnd.nextInt(10);
        AggregationConfig agg = switch (rnd.nextInt(3)) {
            case 0 -> AggregationConfig.latestOnly();
            case 1 -> AggregationConfig.temporalEnsemble(rnd.nextDouble() * 2);
            default -> AggregationConfig.weightedBlend(rnd.nextDouble() + 0.01, rnd.nextDouble() + 0.01);
        };
        ActionController ctl = ActionController.builder(ActionConfig.builder().dim(dim).maxHorizon(maxH)
                .stepPeriod(Duration.ofNanos(STEP)).controlPeriod(Duration.ofNanos(STEP)).aggregation(agg)
                .smoothing(SmoothingConfig.NONE).interpolate(false)
                .safety(SafetyConfig.builder().staleAfter(Duration.ofSeconds(100)).build()).build()).build();
        ActionCommand cmd = new ActionCommand(dim);
        Map<Long, List<double[]>> predictions = new HashMap<>();
        List<Object[]> pending = new ArrayList<>();
        long lastExecuted = Long.MIN_VALUE;
        long lastTick = Long.MIN_VALUE;
        long tail = Long.MIN_VALUE;
        double p = 0.2 + 0.8 * rnd.nextDouble();
        int compared = 0;
        long epochBase = -1;
        for (long t = 0; t < 300; t++) {
            if (rnd.nextDouble() < p) {
                int h = 1 + rnd.nextInt(maxH);
                long base = Math.max(0, t - rnd.nextInt(4)); // captured up to 3 steps ago
                float[] v = new float[h * dim];
                for (int i = 0; i < v.length; i++) {
                    v[i] = (float) (rnd.nextDouble() * 10 - 5);
                }
                assertThat(ctl.offer(v, t, T0 + base * STEP)).isEqualTo(OfferStatus.ACCEPTED);
                if (epochBase < 0) {
                    epochBase = base; // the controller's step grid starts at the first chunk's capture
                }
                pending.add(new Object[]{base, v, h});
            }
            // reference merge, as the controller does at the start of the tick
            for (Object[] c : pending) {
                long base = (Long) c[0];
                float[] v = (float[]) c[1];
                int h = (Integer) c[2];
                long floor = base;
                if (lastExecuted != Long.MIN_VALUE) {
                    floor = Math.max(floor, lastExecuted + 1);
                }
                if (lastTick != Long.MIN_VALUE) {
                    floor = Math.max(floor, lastTick);
                }
                if (agg.mode() == AggregationConfig.Mode.LATEST_ONLY) {
                    final long le = lastExecuted;
                    predictions.keySet().removeIf(n -> le == Long.MIN_VALUE || n > le);
                    tail = lastExecuted != Long.MIN_VALUE && predictions.containsKey(lastExecuted) ? lastExecuted
                            : Long.MIN_VALUE;
                }
                for (int k = 0; k < h; k++) {
                    long n = base + k;
                    if (n < floor) {
                        continue;
                    }
                    double[] x = new double[dim];
                    for (int d = 0; d < dim; d++) {
                        x[d] = v[k * dim + d];
                    }
                    predictions.computeIfAbsent(n, key -> new ArrayList<>()).add(x);
                    tail = Math.max(tail, n);
                }
            }
            pending.clear();
            ctl.next(T0 + t * STEP, cmd);
            if (predictions.isEmpty() && tail == Long.MIN_VALUE && lastTick == Long.MIN_VALUE) {
                assertThat(cmd.state()).isEqualTo(ActionCommand.State.IDLE);
                continue;
            }
            lastTick = t;
            long src;
            if (predictions.containsKey(t)) {
                src = t;
                assertThat(cmd.has(Intervention.STARVED)).as("tick %d", t).isFalse();
            } else if (tail != Long.MIN_VALUE && tail < t && predictions.containsKey(tail)) {
                src = tail;
                assertThat(cmd.has(Intervention.STARVED)).isTrue();
            } else {
                assertThat(cmd.has(Intervention.STARVED)).as("tick %d", t).isTrue();
                assertThat(cmd.executable()).isFalse();
                continue;
            }
            lastExecuted = Math.max(lastExecuted, src);
            assertThat(cmd.executable()).as("tick %d", t).isTrue();
            assertThat(cmd.step()).isEqualTo(src - epochBase);
            double[] expected = reference(agg, predictions.get(src), dim);
            for (int d = 0; d < dim; d++) {
                assertThat(cmd.value(d)).as("tick %d axis %d (%s)", t, d, agg.mode())
                        .isCloseTo(expected[d], org.assertj.core.api.Assertions.within(1e-9));
            }
            compared++;
        }
        assertThat(compared).isPositive();
    }

    static double[] reference(AggregationConfig agg, List<double[]> preds, int dim) {
        double[] out = new double[dim];
        switch (agg.mode()) {
            case LATEST_ONLY -> System.arraycopy(preds.get(preds.size() - 1), 0, out, 0, dim);
            case TEMPORAL_ENSEMBLE -> {
                double wsum = 0;
                for (int i = 0; i < preds.size(); i++) {
                    double w = Math.exp(-agg.ensembleK() * i); // i = 0 the oldest
                    wsum += w;
                    for (int d = 0; d < dim; d++) {
                        out[d] += w * preds.get(i)[d];
                    }
                }
                for (int d = 0; d < dim; d++) {
                    out[d] /= wsum;
                }
            }
            default -> {
                System.arraycopy(preds.get(0), 0, out, 0, dim);
                for (int i = 1; i < preds.size(); i++) {
                    for (int d = 0; d < dim; d++) {
                        out[d] = (agg.oldWeight() * out[d] + agg.newWeight() * preds.get(i)[d])
                                / (agg.oldWeight() + agg.newWeight());
                    }
                }
            }
        }
        return out;
    }
}
