package io.github.streaminfer.action;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class SmoothingTest {

    @Test
    void firstOrderLowPassHasNoOvershootOnAStepWithJitteryTicks() {
        SplittableRandom rnd = new SplittableRandom(7);
        for (int trial = 0; trial < 200; trial++) {
            double cutoff = 0.5 + 30 * rnd.nextDouble();
            Smoother f = new Smoother(SmoothingConfig.lowPass(cutoff), 3);
            double[] v = {0, 0, 0};
            f.apply(v, 1e-3);
            double prev = 0;
            double t = 0;
            double tau = 1 / (2 * Math.PI * cutoff);
            while (t < 12 * tau) {
                double dt = 1e-4 + rnd.nextDouble() * 5e-3; // real, irregular dt
                t += dt;
                v[0] = 1;
                v[1] = -2;
                v[2] = 1;
                f.apply(v, dt);
                assertThat(v[0]).isLessThanOrEqualTo(1.0).isGreaterThanOrEqualTo(prev);
                assertThat(v[1]).isGreaterThanOrEqualTo(-2.0);
                prev = v[0];
            }
            assertThat(prev).isGreaterThan(0.99);
        }
    }

    @Test
    void lowPassMatchesTheDiscreteFirstOrderResponse() {
        double cutoff = 5;
        double dt = 0.002;
        double rc = 1 / (2 * Math.PI * cutoff);
        double a = dt / (rc + dt);
        Smoother f = new Smoother(SmoothingConfig.lowPass(cutoff), 1);
        double[] v = {0};
        f.apply(v, dt);
        for (int n = 1; n <= 100; n++) {
            v[0] = 1;
            f.apply(v, dt);
            assertThat(v[0]).isCloseTo(1 - Math.pow(1 - a, n), within(1e-12));
        }
    }

    @Test
    void controllerWithLowPassDoesNotOvershootAStepInActions() {
        ActionConfig c = ActionConfig.builder().dim(1).maxHorizon(1).stepPeriod(Duration.ofMillis(10))
                .controlPeriod(Duration.ofMillis(10)).smoothing(SmoothingConfig.lowPass(2))
                .safety(SafetyConfig.builder().maxVelocity(5).maxAcceleration(50).build()).build();
        ActionController ctl = ActionController.builder(c).build();
        ActionCommand cmd = new ActionCommand(1);
        long now = 1_000_000_000L;
        double prev = 0;
        for (int t = 0; t < 400; t++) {
            ctl.offer(new float[]{t < 10 ? 0 : 1}, t, now);
            ctl.next(now, cmd);
            // the filtered target rises monotonically to 1; the capped command follows it and never passes 1
            assertThat(cmd.value(0)).isLessThanOrEqualTo(1.0).isGreaterThanOrEqualTo(0.0);
            prev = cmd.value(0);
            now += 10_000_000L;
        }
        assertThat(prev).isGreaterThan(0.99);
    }

    @Test
    void emaFollowsTheSeedsAlpha() {
        Smoother f = new Smoother(SmoothingConfig.ema(0.2), 1);
        double[] v = {10};
        f.apply(v, 0.01); // primes
        assertThat(v[0]).isEqualTo(10);
        v[0] = 0;
        f.apply(v, 0.01);
        assertThat(v[0]).isCloseTo(8.0, within(1e-12)); // 0.2 * 0 + 0.8 * 10
        v[0] = 0;
        f.apply(v, 0.01);
        assertThat(v[0]).isCloseTo(6.4, within(1e-12));
        Smoother none = new Smoother(SmoothingConfig.ema(1), 1);
        double[] w = {3};
        none.apply(w, 0.01);
        w[0] = -7;
        none.apply(w, 0.01);
        assertThat(w[0]).isEqualTo(-7);
    }

    @Test
    void movingAverageOverWindow() {
        Smoother f = new Smoother(SmoothingConfig.movingAverage(3), 1);
        double[] in = {3, 6, 9, 12, 0, 0, 0};
        double[] expected = {3, 4.5, 6, 9, 7, 4, 0};
        for (int i = 0; i < in.length; i++) {
            double[] v = {in[i]};
            f.apply(v, 0.01);
            assertThat(v[0]).as("sample %d", i).isCloseTo(expected[i], within(1e-12));
        }
    }

    @Test
    void oneEuroHoldsStillInputAndAdaptsToSpeed() {
        Smoother slow = new Smoother(SmoothingConfig.oneEuro(1, 0), 1);
        Smoother fast = new Smoother(SmoothingConfig.oneEuro(1, 5), 1);
        double[] a = {2};
        double[] b = {2};
        slow.apply(a, 0.01);
        fast.apply(b, 0.01);
        for (int i = 0; i < 10; i++) {
            a[0] = 2;
            slow.apply(a, 0.01);
            assertThat(a[0]).isEqualTo(2.0);
        }
        double ya = 0;
        double yb = 0;
        for (int i = 1; i <= 20; i++) {
            a[0] = 2 + i * 0.1;
            b[0] = 2 + i * 0.1;
            slow.apply(a, 0.01);
            fast.apply(b, 0.01);
            ya = a[0];
            yb = b[0];
            assertThat(ya).isLessThanOrEqualTo(2 + i * 0.1);
            assertThat(yb).isLessThanOrEqualTo(2 + i * 0.1);
        }
        // a higher beta raises the cutoff when the signal moves: less lag
        assertThat(4 - yb).isLessThan(4 - ya);
    }

    @Test
    void exemptAxesAreNotSmoothed() {
        Smoother f = new Smoother(SmoothingConfig.ema(0.1).toBuilder().exemptAxes(1).build(), 2);
        double[] v = {0, 0};
        f.apply(v, 0.01);
        v[0] = 1;
        v[1] = 1;
        f.apply(v, 0.01);
        assertThat(v[0]).isCloseTo(0.1, within(1e-12));
        assertThat(v[1]).isEqualTo(1.0);
    }
}
