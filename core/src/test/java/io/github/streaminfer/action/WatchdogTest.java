package io.github.streaminfer.action;

import io.github.streaminfer.time.ManualClock;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/** The staleness watchdog on a fake clock: never executes a stale action, and stops within the caps. */
class WatchdogTest {

    @Test
    void tenThousandRandomTrials() {
        SplittableRandom rnd = new SplittableRandom(0x5eed);
        long decelTicksTotal = 0;
        for (int trial = 0; trial < 10_000; trial++) {
            decelTicksTotal += trial(rnd, trial);
        }
        // the trials must actually exercise deceleration, not only trivial stops
        assertThat(decelTicksTotal).isGreaterThan(20_000);
    }

    @Test
    void withJerkCapsTheStopStaysWithinCapsAndEndsAtRest() {
        SplittableRandom rnd = new SplittableRandom(0x7e4c);
        for (int trial = 0; trial < 1_000; trial++) {
            trial(rnd, trial, true);
        }
    }

    private static long trial(SplittableRandom rnd, int trial) {
        return trial(rnd, trial, false);
    }

    private static long trial(SplittableRandom rnd, int trial, boolean jerk) {
        int dim = 1 + rnd.nextInt(6);
        long dtNanos = new long[]{1_000_000, 2_000_000, 5_000_000, 10_000_000, 20_000_000}[rnd.nextInt(5)];
        double dt = dtNanos / 1e9;
        int maxH = 1 + rnd.nextInt(10);
        long stepNanos = dtNanos * (1 + rnd.nextInt(4));
        long staleNanos = 20_000_000 + rnd.nextLong(280_000_000);
        double[] vMax = new double[dim];
        double[] aMax = new double[dim];
        for (int d = 0; d < dim; d++) {
            vMax[d] = 0.1 + 2 * rnd.nextDouble();
            aMax[d] = 0.5 + 20 * rnd.nextDouble();
        }
        double[] jMax = new double[dim];
        double rampTicks = 0;
        for (int d = 0; d < dim; d++) {
            // jerk caps that let the acceleration ramp within 1 to 10 ticks
            jMax[d] = jerk ? aMax[d] / (dt * (1 + rnd.nextInt(10))) : Double.POSITIVE_INFINITY;
            rampTicks = Math.max(rampTicks, aMax[d] / jMax[d] / dt);
        }
        ActionConfig config = ActionConfig.builder().dim(dim).maxHorizon(maxH).stepPeriod(Duration.ofNanos(stepNanos))
                .controlPeriod(Duration.ofNanos(dtNanos))
                .smoothing(rnd.nextBoolean() ? SmoothingConfig.NONE : SmoothingConfig.ema(0.3 + 0.7 * rnd.nextDouble()))
                .safety(SafetyConfig.builder().maxVelocity(vMax).maxAcceleration(aMax).maxJerk(jMax)
                        .staleAfter(Duration.ofNanos(staleNanos)).build())
                .build();
        ManualClock clock = new ManualClock(1_000_000_000L + rnd.nextInt(1_000_000_000));
        ActionController ctl = ActionController.builder(config).clock(clock).build();
        ActionCommand cmd = new ActionCommand(dim);
        float[] chunk = new float[maxH * dim];
        double[] target = new double[dim];
        double[] prev = new double[dim];
        double[] vel = new double[dim];
        boolean started = false;
        int freshTicks = 20 + rnd.nextInt(200);
        long lastCapture = 0;
        for (int t = 0; t < freshTicks; t++) {
            if (t % (1 + rnd.nextInt(3)) == 0 || t == freshTicks - 1) {
                for (int d = 0; d < dim; d++) {
                    target[d] += (rnd.nextDouble() - 0.5) * 0.4;
                }
                int h = 1 + rnd.nextInt(maxH);
                for (int k = 0; k < h; k++) {
                    for (int d = 0; d < dim; d++) {
                        chunk[k * dim + d] = (float) (target[d] + k * 0.01);
                    }
                }
                long capture = clock.nanoTime() - rnd.nextLong(Math.min(staleNanos / 2, 10_000_000));
                lastCapture = Math.max(lastCapture, capture);
                assertThat(ctl.offer(chunk, 0, h * dim, t, capture)).isEqualTo(OfferStatus.ACCEPTED);
            }
            ctl.next(cmd);
            if (started) {
                for (int d = 0; d < dim; d++) {
                    vel[d] = (cmd.value(d) - prev[d]) / dt;
                }
            }
            started |= cmd.state() != ActionCommand.State.IDLE;
            System.arraycopy(cmd.values(), 0, prev, 0, dim);
            clock.advance(dtNanos);
        }
        assertThat(started).as("trial %d started", trial).isTrue();
        // the producer goes silent: keep ticking
        long deadline = lastCapture + staleNanos;
        boolean decelerating = false;
        double ratio = 0;
        long ticksToStop = -1;
        long decelTicks = 0;
        double[] acc = new double[dim];
        boolean haveAcc = false;
        for (int t = 0; t < 100_000; t++) {
            long now = clock.nanoTime();
            ctl.next(cmd);
            double[] v = new double[dim];
            boolean still = true;
            for (int d = 0; d < dim; d++) {
                v[d] = (cmd.value(d) - prev[d]) / dt;
                still &= v[d] == 0;
                double a = (v[d] - vel[d]) / dt;
                assertThat(Math.abs(v[d])).as("trial %d velocity", trial).isLessThanOrEqualTo(vMax[d] * (1 + 1e-9));
                assertThat(Math.abs(a)).as("trial %d acceleration", trial).isLessThanOrEqualTo(aMax[d] * (1 + 1e-9));
                if (haveAcc) {
                    double j = (a - acc[d]) / dt;
                    assertThat(Math.abs(j)).as("trial %d jerk", trial).isLessThanOrEqualTo(jMax[d] * (1 + 1e-9));
                }
                acc[d] = a;
            }
            haveAcc = true;
            if (now > deadline) {
                assertThat(cmd.executable()).as("trial %d: executable %d ns after the deadline", trial, now - deadline)
                        .isFalse();
                if (!decelerating) {
                    // first non-fresh tick: within one tick of the deadline
                    assertThat(now - deadline).isLessThanOrEqualTo(dtNanos);
                    assertThat(cmd.has(Intervention.STALE) || cmd.has(Intervention.STARVED)).isTrue();
                    decelerating = true;
                    for (int d = 0; d < dim; d++) {
                        ratio = Math.max(ratio, Math.abs(vel[d]) / aMax[d]);
                    }
                }
                decelTicks++;
                if (still) {
                    ticksToStop = decelTicks;
                    assertThat(cmd.state()).isEqualTo(ActionCommand.State.HOLDING);
                    break;
                }
            }
            System.arraycopy(cmd.values(), 0, prev, 0, dim);
            System.arraycopy(v, 0, vel, 0, dim);
            clock.advance(dtNanos);
        }
        assertThat(ticksToStop).as("trial %d stopped", trial).isPositive();
        // velocity reaches 0 within v / aMax + 1 tick; with a jerk cap each axis first ramps its acceleration out
        // (possibly from +aMax through 0 to -aMax) and back in: at most 3.5 aMax/jMax and one more tick
        double allowed = ratio + dt + (jerk ? 3.5 * rampTicks * dt + dt : 0);
        assertThat(ticksToStop * dt).as("trial %d: time to stop, v/a_max = %s s", trial, ratio)
                .isLessThanOrEqualTo(allowed + 1e-9);
        // and stays there
        for (int t = 0; t < 5; t++) {
            clock.advance(dtNanos);
            ctl.next(cmd);
            for (int d = 0; d < dim; d++) {
                assertThat(cmd.value(d)).isEqualTo(prev[d]);
            }
            assertThat(cmd.state()).isEqualTo(ActionCommand.State.HOLDING);
        }
        return ticksToStop;
    }
}
