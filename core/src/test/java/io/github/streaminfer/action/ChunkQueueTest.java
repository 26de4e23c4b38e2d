package io.github.streaminfer.action;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Chunk aggregation, discarding of executed steps, refill and interpolation, without smoothing or caps. */
class ChunkQueueTest {
    static final long MS = 1_000_000L;
    static final long T0 = 10_000 * MS;

    static ActionController controller(int dim, int maxH, long stepMs, long controlMs, AggregationConfig agg,
                                       boolean interpolate) {
        ActionConfig c = ActionConfig.builder().dim(dim).maxHorizon(maxH).stepPeriod(Duration.ofMillis(stepMs))
                .controlPeriod(Duration.ofMillis(controlMs)).aggregation(agg).smoothing(SmoothingConfig.NONE)
                .safety(SafetyConfig.builder().staleAfter(Duration.ofSeconds(10)).build())
                .interpolate(interpolate).build();
        return ActionController.builder(c).build();
    }

    @Test
    void actTemporalEnsemblingMatchesHandComputedExample() {
        // k = 0.5, three 3-step chunks one step apart; step 2 is predicted by all three:
        // A (oldest) 3, B 20, C 100 -> (3*1 + 20*e^-0.5 + 100*e^-1) / (1 + e^-0.5 + e^-1) = 26.295731210121687
        ActionController ctl = controller(1, 3, 10, 10, AggregationConfig.temporalEnsemble(0.5), false);
        ctl.offer(new float[]{1, 2, 3}, 1, T0);
        ctl.offer(new float[]{10, 20, 30}, 2, T0 + 10 * MS);
        ctl.offer(new float[]{100, 200, 300}, 3, T0 + 20 * MS);
        ActionCommand cmd = new ActionCommand(1);
        ctl.next(T0 + 20 * MS, cmd);
        assertThat(cmd.executable()).isTrue();
        assertThat(cmd.step()).isEqualTo(2);
        assertThat(cmd.value(0)).isCloseTo(26.295731210121687, within(1e-12));
        assertThat(cmd.frameId()).isEqualTo(3);
        // step 3: B 30 (oldest for this step), C 200 -> (30 + 200*e^-0.5) / (1 + e^-0.5) = 94.16...
        ctl.next(T0 + 30 * MS, cmd);
        double w = Math.exp(-0.5);
        assertThat(cmd.value(0)).isCloseTo((30 + 200 * w) / (1 + w), within(1e-12));
        // step 4: only C
        ctl.next(T0 + 40 * MS, cmd);
        assertThat(cmd.value(0)).isCloseTo(300, within(1e-12));
    }

    @Test
    void latestOnlyReplacesQueuedSteps() {
        ActionController ctl = controller(1, 4, 10, 10, AggregationConfig.latestOnly(), false);
        ActionCommand cmd = new ActionCommand(1);
        ctl.offer(new float[]{1, 2, 3, 4}, 1, T0);
        ctl.next(T0, cmd);
        assertThat(cmd.value(0)).isEqualTo(1);
        ctl.offer(new float[]{50, 60}, 2, T0 + 10 * MS);
        ctl.next(T0 + 10 * MS, cmd);
        assertThat(cmd.value(0)).isEqualTo(50);
        ctl.next(T0 + 20 * MS, cmd);
        assertThat(cmd.value(0)).isEqualTo(60);
        // the old chunk's step 3 (value 4) was dropped: step 3 is past the new chunk's end -> hold the tail, starved
        ctl.next(T0 + 30 * MS, cmd);
        assertThat(cmd.value(0)).isEqualTo(60);
        assertThat(cmd.has(Intervention.STARVED)).isTrue();
    }

    @Test
    void weightedBlendCombinesOldAndNew() {
        ActionController ctl = controller(1, 3, 10, 10, AggregationConfig.weightedBlend(3, 1), false);
        ActionCommand cmd = new ActionCommand(1);
        ctl.offer(new float[]{0, 0, 0}, 1, T0);
        ctl.offer(new float[]{8, 8, 8}, 2, T0); // same steps: (3*0 + 1*8) / 4 = 2
        ctl.next(T0, cmd);
        assertThat(cmd.value(0)).isEqualTo(2.0);
        ctl.offer(new float[]{10, 10}, 3, T0 + 10 * MS); // steps 1, 2: (3*2 + 10) / 4 = 4
        ctl.next(T0 + 10 * MS, cmd);
        assertThat(cmd.value(0)).isEqualTo(4.0);
    }

    @Test
    void stepsAtOrBeforeTheLastExecutedAreDiscarded() {
        ActionController ctl = controller(1, 5, 10, 10, AggregationConfig.temporalEnsemble(0), false);
        ActionCommand cmd = new ActionCommand(1);
        ctl.offer(new float[]{1, 1, 1, 1, 1}, 1, T0);
        ctl.next(T0 + 20 * MS, cmd); // executes step 2
        assertThat(cmd.step()).isEqualTo(2);
        // a late chunk captured at T0 predicts steps 0..4; 0..2 must not change anything
        ctl.offer(new float[]{9, 9, 9, 9, 9}, 2, T0);
        ctl.next(T0 + 25 * MS, cmd); // still step 2
        assertThat(cmd.value(0)).isEqualTo(1.0);
        ctl.next(T0 + 30 * MS, cmd); // step 3: mean of 1 and 9 (k = 0: equal weights)
        assertThat(cmd.value(0)).isEqualTo(5.0);
    }

    @Test
    void tenHertzInferenceDrivesFiftyHertzLoopWithInterpolation() {
        // chunks of 10 steps at 100 ms (10 Hz steps), loop at 50 Hz: 5 ticks per step, interpolated
        ActionController ctl = controller(1, 10, 100, 20, AggregationConfig.latestOnly(), true);
        ActionCommand cmd = new ActionCommand(1);
        float[] ramp = new float[10];
        for (int k = 0; k < 10; k++) {
            ramp[k] = k;
        }
        ctl.offer(ramp, 1, T0);
        for (int t = 0; t < 40; t++) {
            ctl.next(T0 + t * 20 * MS, cmd);
            assertThat(cmd.executable()).isTrue();
            assertThat(cmd.value(0)).isCloseTo(t * 0.2, within(1e-9));
        }
    }

    @Test
    void refillSignalWhenQueueBelowThreshold() {
        ActionController ctl = controller(1, 10, 10, 10, AggregationConfig.latestOnly(), false);
        ActionCommand cmd = new ActionCommand(1);
        assertThat(ctl.needsRefill()).isTrue();
        ctl.offer(new float[10], 1, T0);
        ctl.next(T0, cmd); // 9 steps ahead of 10: no refill (threshold 0.5)
        assertThat(cmd.refill()).isFalse();
        assertThat(ctl.needsRefill()).isFalse();
        ctl.next(T0 + 50 * MS, cmd); // 4 ahead < 5
        assertThat(cmd.refill()).isTrue();
        assertThat(ctl.needsRefill()).isTrue();
    }

    @Test
    void deltaAxesCommandTheDisplacementOfEachTick() {
        ActionConfig c = ActionConfig.builder().dim(2).maxHorizon(1).stepPeriod(Duration.ofMillis(100))
                .controlPeriod(Duration.ofMillis(20)).deltaAxes(0).smoothing(SmoothingConfig.NONE)
                .safety(SafetyConfig.builder().staleAfter(Duration.ofSeconds(1)).build()).build();
        ActionController ctl = ActionController.builder(c).build();
        ActionCommand cmd = new ActionCommand(2);
        ctl.offer(new float[]{0.05f, 1f}, 1, T0); // 5 cm per 100 ms step -> 1 cm per 20 ms tick; gripper absolute
        ctl.next(T0, cmd);
        assertThat(cmd.value(0)).isCloseTo(0.01, within(1e-7));
        assertThat(cmd.value(1)).isEqualTo(1.0);
    }

    @Test
    void workspaceClampsPosePlusDelta() {
        ActionConfig c = ActionConfig.builder().dim(3).maxHorizon(1).stepPeriod(Duration.ofMillis(10))
                .controlPeriod(Duration.ofMillis(10)).deltaAxes(0, 1, 2).smoothing(SmoothingConfig.NONE)
                .safety(SafetyConfig.builder().workspace(new int[]{0, 1, 2}, new double[]{-1, -1, 0.1},
                        new double[]{1, 1, 1}).build()).build();
        ActionController ctl = ActionController.builder(c).build();
        ActionCommand cmd = new ActionCommand(3);
        ctl.offer(new float[]{0.1f, 0, -0.5f}, 1, T0);
        ctl.next(T0, new double[]{0.95, 0, 0.2}, cmd);
        assertThat(cmd.has(Intervention.WORKSPACE)).isTrue();
        assertThat(0.95 + cmd.value(0)).isCloseTo(1.0, within(1e-9));
        assertThat(0.2 + cmd.value(2)).isCloseTo(0.1, within(1e-9));
        assertThat(cmd.value(1)).isEqualTo(0.0);
    }

    @Test
    void axisBoundsClampAndCount() {
        ActionConfig c = ActionConfig.builder().dim(2).maxHorizon(1).smoothing(SmoothingConfig.NONE)
                .safety(SafetyConfig.builder().axisBounds(new double[]{-1, 0}, new double[]{1, 0.08}).build()).build();
        ActionController ctl = ActionController.builder(c).build();
        ActionCommand cmd = new ActionCommand(2);
        ctl.offer(new float[]{5, -3}, 1, T0);
        ctl.next(T0, cmd);
        assertThat(cmd.values()).containsExactly(1.0, 0.0);
        assertThat(cmd.has(Intervention.AXIS_BOUND)).isTrue();
        assertThat(ctl.stats().interventions(Intervention.AXIS_BOUND)).isEqualTo(1);
    }

    @Test
    void rejectsNonFiniteAndWrongSizes() {
        ActionController ctl = controller(3, 4, 10, 10, AggregationConfig.latestOnly(), false);
        assertThat(ctl.offer(new float[]{1, Float.NaN, 2}, 1, T0)).isEqualTo(OfferStatus.REJECTED_NON_FINITE);
        assertThat(ctl.offer(new float[]{1, 2, Float.NEGATIVE_INFINITY}, 2, T0)).isEqualTo(OfferStatus.REJECTED_NON_FINITE);
        assertThat(ctl.offer(new float[]{1, 2}, 3, T0)).isEqualTo(OfferStatus.REJECTED_DIMENSION);
        assertThat(ctl.offer(new float[15], 4, T0)).isEqualTo(OfferStatus.REJECTED_DIMENSION);
        assertThat(ctl.offer(new float[0], 5, T0)).isEqualTo(OfferStatus.REJECTED_DIMENSION);
        assertThat(ctl.offer(new float[]{Float.MIN_VALUE, -0f, Float.MAX_VALUE}, 6, T0)).isEqualTo(OfferStatus.ACCEPTED);
        ActionStats s = ctl.stats();
        assertThat(s.chunksRejected()).isEqualTo(5);
        assertThat(s.interventions(Intervention.NON_FINITE)).isEqualTo(2);
        assertThat(s.interventions(Intervention.DIMENSION)).isEqualTo(3);
    }

    @Test
    void starvationIsCountedAndDecelerates() {
        ActionController ctl = controller(1, 2, 10, 10, AggregationConfig.latestOnly(), false);
        ActionCommand cmd = new ActionCommand(1);
        ctl.next(T0 - 10 * MS, cmd);
        assertThat(cmd.state()).isEqualTo(ActionCommand.State.IDLE);
        ctl.offer(new float[]{1, 1}, 1, T0);
        ctl.next(T0, cmd);
        assertThat(cmd.executable()).isTrue();
        ctl.next(T0 + 200 * MS, cmd); // far beyond the chunk; not stale (staleAfter is 10 s)
        assertThat(cmd.has(Intervention.STARVED)).isTrue();
        assertThat(ctl.stats().starvedTicks()).isEqualTo(1);
    }

    @Test
    void recoversAfterALongPauseOfTheProducer() {
        ActionController ctl = controller(1, 4, 10, 10, AggregationConfig.temporalEnsemble(0.1), false);
        ActionCommand cmd = new ActionCommand(1);
        ctl.offer(new float[]{1, 1, 1, 1}, 1, T0);
        for (int t = 0; t < 4; t++) {
            ctl.next(T0 + t * 10 * MS, cmd);
            assertThat(cmd.executable()).isTrue();
        }
        // 1,000 steps without actions (more than the queue holds), then the producer comes back
        for (int t = 4; t < 1_000; t++) {
            ctl.next(T0 + t * 10 * MS, cmd);
        }
        ctl.offer(new float[]{7, 7, 7, 7}, 2, T0 + 1_000 * 10 * MS);
        ctl.next(T0 + 1_000 * 10 * MS, cmd);
        assertThat(cmd.executable()).isTrue();
        assertThat(cmd.value(0)).isEqualTo(7.0);
    }

    @Test
    void aTickThatDoesNotAdvanceTimeRepeatsThePreviousCommand() {
        ActionController ctl = controller(1, 4, 10, 10, AggregationConfig.latestOnly(), false);
        ActionCommand cmd = new ActionCommand(1);
        ctl.offer(new float[]{1, 2, 3, 4}, 1, T0);
        ctl.next(T0 + 10 * MS, cmd);
        assertThat(cmd.value(0)).isEqualTo(2.0);
        ActionCommand again = new ActionCommand(1);
        ctl.next(T0 + 5 * MS, again); // the clock went back: nothing moves
        assertThat(again.value(0)).isEqualTo(2.0);
        assertThat(again.step()).isEqualTo(cmd.step());
        assertThat(again.tickNanos()).isEqualTo(cmd.tickNanos());
        ctl.next(T0 + 20 * MS, cmd);
        assertThat(cmd.value(0)).isEqualTo(3.0);
    }
}
