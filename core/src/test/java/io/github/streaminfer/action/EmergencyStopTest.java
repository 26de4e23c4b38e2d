package io.github.streaminfer.action;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class EmergencyStopTest {
    static final long MS = 1_000_000L;

    static ActionController controller(SafetyConfig safety) {
        return ActionController.builder(ActionConfig.builder().dim(2).maxHorizon(1).stepPeriod(Duration.ofMillis(10))
                .controlPeriod(Duration.ofMillis(10)).smoothing(SmoothingConfig.NONE).safety(safety).build()).build();
    }

    @Test
    void apiTripLatchesUntilReset() {
        ActionController ctl = controller(SafetyConfig.builder().maxVelocity(1, 1).maxAcceleration(10, 10).build());
        ActionCommand cmd = new ActionCommand(2);
        long now = 1_000 * MS;
        for (int t = 0; t < 5; t++, now += 10 * MS) {
            ctl.offer(new float[]{t * 0.005f, 0}, t, now);
            ctl.next(now, cmd);
            assertThat(cmd.executable()).isTrue();
        }
        ctl.emergencyStop();
        assertThat(ctl.emergencyStopCause()).isEqualTo(EmergencyStop.API);
        for (int t = 5; t < 200; t++, now += 10 * MS) {
            assertThat(ctl.offer(new float[]{0.1f, 0}, t, now)).isEqualTo(OfferStatus.ACCEPTED);
            ctl.next(now, cmd);
            assertThat(cmd.executable()).isFalse();
            assertThat(cmd.state()).isEqualTo(ActionCommand.State.ESTOP);
            assertThat(cmd.has(Intervention.ESTOP)).isTrue();
            assertThat(cmd.safetyScore()).isZero();
        }
        // tripping again while latched counts once
        ctl.emergencyStop();
        assertThat(ctl.stats().estopTrips()).isEqualTo(1);
        ctl.resetEmergencyStop();
        assertThat(ctl.emergencyStopCause()).isEqualTo(EmergencyStop.NONE);
        ctl.offer(new float[]{0.02f, 0}, 300, now);
        ctl.next(now, cmd);
        assertThat(cmd.executable()).isTrue();
        assertThat(ctl.stats().estopTicks()).isEqualTo(195);
    }

    @Test
    void consecutiveInvalidActionsTrip() {
        ActionController ctl = controller(SafetyConfig.builder().estopAfterInvalid(3).build());
        ActionCommand cmd = new ActionCommand(2);
        long now = 1_000 * MS;
        float[] bad = {Float.NaN, 0};
        float[] good = {0, 0};
        ctl.offer(bad, 1, now);
        ctl.offer(bad, 2, now);
        ctl.offer(good, 3, now); // breaks the run
        ctl.offer(bad, 4, now);
        ctl.offer(new float[3], 5, now); // wrong size counts as invalid too
        assertThat(ctl.emergencyStopCause()).isEqualTo(EmergencyStop.NONE);
        ctl.offer(bad, 6, now);
        assertThat(ctl.emergencyStopCause()).isEqualTo(EmergencyStop.CONSECUTIVE_INVALID);
        ctl.offer(good, 7, now);
        ctl.next(now, cmd);
        assertThat(cmd.state()).isEqualTo(ActionCommand.State.ESTOP);
        // still latched after good actions
        now += 10 * MS;
        ctl.offer(good, 8, now);
        ctl.next(now, cmd);
        assertThat(cmd.executable()).isFalse();
        ctl.resetEmergencyStop();
        // the run restarts from zero after a reset
        ctl.offer(bad, 9, now);
        ctl.offer(bad, 10, now);
        assertThat(ctl.emergencyStopCause()).isEqualTo(EmergencyStop.NONE);
        now += 10 * MS;
        ctl.offer(good, 11, now);
        ctl.next(now, cmd);
        assertThat(cmd.executable()).isTrue();
    }

    @Test
    void lowSafetyScoreTrips() {
        // velocity cap 0.1 per second, 10 ms steps: tolerance 1 mm; a 1.0 jump leaves the command 0.999 away: score 0
        ActionController ctl = controller(SafetyConfig.builder().maxVelocity(0.1, 0.1).estopBelowScore(0.5).build());
        ActionCommand cmd = new ActionCommand(2);
        long now = 1_000 * MS;
        ctl.offer(new float[]{0, 0}, 1, now);
        ctl.next(now, cmd);
        assertThat(cmd.executable()).isTrue();
        assertThat(cmd.safetyScore()).isEqualTo(1.0);
        now += 10 * MS;
        ctl.offer(new float[]{0.0005f, 0}, 2, now); // within the cap: score 1
        ctl.next(now, cmd);
        assertThat(cmd.executable()).isTrue();
        assertThat(cmd.safetyScore()).isGreaterThan(0.999);
        now += 10 * MS;
        ctl.offer(new float[]{1, 0}, 3, now);
        ctl.next(now, cmd);
        assertThat(cmd.executable()).isFalse();
        assertThat(cmd.state()).isEqualTo(ActionCommand.State.ESTOP);
        assertThat(ctl.emergencyStopCause()).isEqualTo(EmergencyStop.LOW_SCORE);
        now += 10 * MS;
        ctl.offer(new float[]{0.001f, 0}, 4, now);
        ctl.next(now, cmd);
        assertThat(cmd.executable()).isFalse();
    }

    @Test
    void safetyScoreIsOneMinusNormalisedInterventionMagnitude() {
        ActionController ctl = controller(SafetyConfig.builder().maxVelocity(1, 1).build());
        ActionCommand cmd = new ActionCommand(2);
        long now = 1_000 * MS;
        ctl.offer(new float[]{0, 0}, 1, now);
        ctl.next(now, cmd);
        now += 10 * MS;
        ctl.offer(new float[]{0.014f, 0}, 2, now); // wants 1.4 m/s, gets 1 m/s: 4 mm short of a 10 mm tolerance
        ctl.next(now, cmd);
        assertThat(cmd.safetyScore()).isCloseTo(0.6, org.assertj.core.api.Assertions.within(1e-6));
        assertThat(cmd.has(Intervention.VELOCITY)).isTrue();
    }
}
