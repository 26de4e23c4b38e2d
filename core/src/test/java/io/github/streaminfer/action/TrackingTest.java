package io.github.streaminfer.action;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A smooth chunked trajectory well inside the Franka caps must come out nearly unchanged: the caps may shape the
 * approach, but must not make the loop ring (a jerk-limited loop chasing its target one tick ahead does).
 */
class TrackingTest {
    static final int H = 50;
    static final int D = 7;

    static ActionController controller(SafetyConfig safety) {
        return ActionController.builder(ActionConfig.builder().dim(D).maxHorizon(H)
                .stepPeriod(Duration.ofMillis(20)).controlPeriod(Duration.ofMillis(1))
                .aggregation(AggregationConfig.temporalEnsemble(0.01))
                .smoothing(SmoothingConfig.oneEuro(1.0, 0.5).toBuilder().exemptAxes(6).build())
                .safety(safety).build()).build();
    }

    @Test
    void smoothTrajectoryInsideTheCapsIsFollowedWithoutRinging() {
        SafetyConfig free = SafetyConfig.builder().staleAfter(Duration.ofMillis(500)).build();
        SafetyConfig franka = SafetyConfig.frankaCartesian().toBuilder().staleAfter(Duration.ofMillis(500)).build();
        ActionController reference = controller(free);
        ActionController capped = controller(franka);
        float[][] chunks = new float[20][H * D];
        for (int c = 0; c < 20; c++) {
            for (int k = 0; k < H; k++) {
                double t = c * 0.1 + k * 0.02;
                double w = Math.PI;
                float[] v = chunks[c];
                v[k * D] = (float) (0.3 + 0.1 * Math.sin(w * t));
                v[k * D + 1] = (float) (0.1 * Math.cos(w * t));
                v[k * D + 2] = (float) (0.5 + 0.05 * Math.sin(2 * w * t));
                v[k * D + 3] = (float) (0.2 * Math.sin(w * t));
                v[k * D + 5] = (float) (0.1 * Math.cos(w * t));
                v[k * D + 6] = (t % 2) < 1 ? 0f : 1f;
            }
        }
        // the robot starts 10 cm / 0.1 rad off the trajectory: a large first move, then tracking
        double[] pose = {0.3, 0, 0.5, 0, 0, 0, 0};
        ActionCommand a = new ActionCommand(D);
        ActionCommand b = new ActionCommand(D);
        long now = 1_000_000_000L;
        double worst = 0;
        double minScore = 1;
        for (int tick = 0; tick < 20_000; tick++) {
            if (tick % 100 == 0) {
                float[] chunk = chunks[(tick / 100) % 20];
                reference.offer(chunk, tick, now);
                capped.offer(chunk, tick, now);
            }
            reference.next(now, pose, a);
            capped.next(now, pose, b);
            assertThat(b.executable()).as("tick %d: %s", tick, b).isTrue();
            if (tick > 3_000) {
                for (int d = 0; d < 6; d++) {
                    worst = Math.max(worst, Math.abs(a.value(d) - b.value(d)));
                }
                minScore = Math.min(minScore, b.safetyScore());
            }
            now += 1_000_000L;
        }
        // the caps shape the approach of each target (braking at aMax): a few millimetres of lag, no ringing
        assertThat(worst).as("largest gap to the uncapped command").isLessThan(0.01);
        assertThat(minScore).isGreaterThan(0.5);
        assertThat(capped.stats().interventions(Intervention.DIRECTION)).isZero();
        assertThat(capped.emergencyStopCause()).isEqualTo(EmergencyStop.NONE);
        ActionStats stats = capped.stats();
        assertThat(stats.activeTicks()).isEqualTo(20_000);
        assertThat(stats.observationAge().count()).isEqualTo(20_000);
        assertThat(stats.observationAge().maxNanos()).isLessThan(101_000_000L); // chunks every 100 ms
        // a new chunk every 100 ticks: boundary jerk is recorded, and stays within the caps (2 digits: 1 %)
        assertThat(stats.boundaryJerk().count()).isGreaterThan(150);
        double capNorm = Math.sqrt(3 * 6500.0 * 6500.0 + 3 * 12500.0 * 12500.0);
        assertThat(stats.boundaryJerk().max()).isLessThanOrEqualTo(capNorm * 1.01);
    }
}
