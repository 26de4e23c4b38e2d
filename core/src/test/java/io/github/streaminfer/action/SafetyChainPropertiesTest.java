package io.github.streaminfer.action;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.lifecycle.AfterContainer;

import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Property-based tests of the safety chain over randomly configured controllers fed with hostile action streams
 * (NaN, infinities, 1e308, the largest float, subnormals, -0, wrong sizes, stale captures). Each try drives one
 * controller through thousands of actions; the tries together feed well over a million.
 *
 * <p>Tolerance: the caps are checked on finite differences of the emitted commands, {@code |x| <= cap * (1 + 1e-9)}.
 */
class SafetyChainPropertiesTest {
    static final int OFFERS_PER_TRY = 5_000;
    static final AtomicLong ACTIONS = new AtomicLong();
    static volatile boolean MAIN_PROPERTY_RAN;
    static final AtomicLong TICKS = new AtomicLong();
    static final AtomicLong CHECKED_JERK = new AtomicLong();
    static final AtomicLong ACTIVE = new AtomicLong();
    static final java.util.Map<Intervention, AtomicLong> KINDS = new java.util.concurrent.ConcurrentHashMap<>();
    static final double REL = 1e-9;

    @AfterContainer
    static void enoughActions() {
        if (!MAIN_PROPERTY_RAN) {
            return; // only some properties were selected
        }
        System.out.println("actions=" + ACTIONS + " ticks=" + TICKS + " active=" + ACTIVE + " jerkChecks=" + CHECKED_JERK
                + " interventions=" + KINDS);
        assertThat(ACTIVE.get()).as("executable ticks").isGreaterThan(TICKS.get() / 4);
        assertThat(ACTIONS.get()).as("generated actions").isGreaterThanOrEqualTo(1_000_000);
        assertThat(CHECKED_JERK.get()).as("ticks with a checked jerk").isGreaterThan(500_000);
    }

    @Property(tries = 200)
    void nothingNonFiniteAndCapsHold(@ForAll long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        int dim = 1 + rnd.nextInt(8);
        int maxH = 1 + rnd.nextInt(8);
        long dtNanos = new long[]{1_000_000, 1_000_000, 2_000_000, 5_000_000, 10_000_000, 20_000_000}[rnd.nextInt(6)];
        double dt = dtNanos / 1e9;
        long stepNanos = dtNanos * (1 + rnd.nextInt(5));
        boolean[] delta = new boolean[dim];
        int nDelta = 0;
        for (int d = 0; d < dim; d++) {
            delta[d] = rnd.nextInt(3) == 0;
            nDelta += delta[d] ? 1 : 0;
        }
        int[] deltaAxes = new int[nDelta];
        for (int d = 0, k = 0; d < dim; d++) {
            if (delta[d]) {
                deltaAxes[k++] = d;
            }
        }
        double[] vMax = new double[dim];
        double[] aMax = new double[dim];
        double[] jMax = new double[dim];
        double[] lo = new double[dim];
        double[] hi = new double[dim];
        for (int d = 0; d < dim; d++) {
            vMax[d] = 0.1 + 2.9 * rnd.nextDouble();
            aMax[d] = 1 + 49 * rnd.nextDouble();
            jMax[d] = 100 + 19_900 * rnd.nextDouble();
            lo[d] = -2;
            hi[d] = 2;
        }
        // sometimes leave one cap of one axis off
        if (rnd.nextBoolean()) {
            int d = rnd.nextInt(dim);
            switch (rnd.nextInt(3)) {
                case 0 -> aMax[d] = Double.POSITIVE_INFINITY;
                case 1 -> jMax[d] = Double.POSITIVE_INFINITY;
                default -> {
                    aMax[d] = Double.POSITIVE_INFINITY;
                    jMax[d] = Double.POSITIVE_INFINITY;
                }
            }
        }
        SafetyConfig.Builder safety = SafetyConfig.builder().axisBounds(lo, hi).maxVelocity(vMax).maxAcceleration(aMax)
                .maxJerk(jMax).staleAfter(Duration.ofMillis(30 + rnd.nextInt(300)))
                .estopAfterInvalid(rnd.nextInt(3) == 0 ? 0 : 1 + rnd.nextInt(5))
                .estopBelowScore(rnd.nextInt(8) == 0 ? 0.05 : 0);
        double[] step = new double[dim];
        if (rnd.nextBoolean()) {
            for (int d = 0; d < dim; d++) {
                step[d] = rnd.nextBoolean() ? Double.POSITIVE_INFINITY : vMax[d] * dt * (0.2 + rnd.nextDouble());
            }
            safety.maxStep(step);
        } else {
            java.util.Arrays.fill(step, Double.POSITIVE_INFINITY);
        }
        if (rnd.nextBoolean() && dim >= 2) {
            safety.workspace(new int[]{0, 1}, new double[]{-1, -0.5}, new double[]{1, 0.5});
        }
        SmoothingConfig smoothing = switch (rnd.nextInt(5)) {
            case 0 -> SmoothingConfig.NONE;
            case 1 -> SmoothingConfig.ema(0.05 + 0.95 * rnd.nextDouble());
            case 2 -> SmoothingConfig.movingAverage(1 + rnd.nextInt(10));
            case 3 -> SmoothingConfig.oneEuro(0.5 + rnd.nextDouble() * 5, rnd.nextDouble());
            default -> SmoothingConfig.lowPass(0.5 + rnd.nextDouble() * 20);
        };
        AggregationConfig agg = switch (rnd.nextInt(3)) {
            case 0 -> AggregationConfig.latestOnly();
            case 1 -> AggregationConfig.temporalEnsemble(rnd.nextDouble());
            default -> AggregationConfig.weightedBlend(rnd.nextDouble() + 0.01, rnd.nextDouble());
        };
        ActionConfig config = ActionConfig.builder().dim(dim).maxHorizon(maxH).stepPeriod(Duration.ofNanos(stepNanos))
                .controlPeriod(Duration.ofNanos(dtNanos)).deltaAxes(deltaAxes).aggregation(agg).smoothing(smoothing)
                .safety(safety.build()).interpolate(rnd.nextBoolean()).handoffCapacity(2 << rnd.nextInt(4)).build();
        ActionController ctl = ActionController.builder(config).build();
        ActionCommand cmd = new ActionCommand(dim);
        boolean withPose = rnd.nextBoolean();
        double[] pose = new double[dim];
        for (int d = 0; d < dim; d++) {
            pose[d] = rnd.nextDouble() * 2 - 1;
        }
        float[] buf = new float[maxH * dim + dim + 4];
        float[] walk = new float[dim];
        double offerProb = 0.2 + 0.8 * rnd.nextDouble();
        long staleNanos = config.safety().staleAfter().toNanos();

        long now = 1_000_000_000L + rnd.nextInt(1_000_000);
        double[] y1 = new double[dim];
        double[] v1 = new double[dim];
        double[] a1 = new double[dim];
        int history = 0;
        int offers = 0;
        long ticks = 0;
        long jerkChecks = 0;
        while (offers < OFFERS_PER_TRY) {
            if (rnd.nextDouble() < offerProb) {
                offers++;
                int h = 1 + rnd.nextInt(maxH);
                int len = h * dim;
                if (rnd.nextInt(50) == 0) {
                    len = rnd.nextInt(buf.length + 1); // wrong sizes, sometimes by accident right
                }
                for (int i = 0; i < len; i++) {
                    buf[i] = value(rnd, walk, i % dim);
                }
                long latency = rnd.nextInt(20) == 0 ? rnd.nextLong(2 * staleNanos + 1) : rnd.nextLong(20_000_000);
                OfferStatus st = ctl.offer(buf, 0, len, offers, now - latency);
                assertThat(st).isNotEqualTo(OfferStatus.CLOSED);
            }
            if (ctl.emergencyStopCause() != EmergencyStop.NONE && rnd.nextInt(20) == 0) {
                ctl.resetEmergencyStop();
            }
            if (withPose) {
                for (int d = 0; d < dim; d++) {
                    pose[d] += (rnd.nextDouble() - 0.5) * 1e-3;
                }
            }
            ctl.next(now, withPose ? pose : null, cmd);
            ticks++;
            double[] y = cmd.values();
            for (int d = 0; d < dim; d++) {
                if (!Double.isFinite(y[d])) {
                    throw new AssertionError("non-finite command value " + y[d] + " at axis " + d + ": " + cmd);
                }
            }
            assertThat(cmd.safetyScore()).isBetween(0.0, 1.0);
            if (cmd.executable()) {
                assertThat(cmd.observationAgeNanos()).isLessThanOrEqualTo(staleNanos);
            }
            if (history == 0 && cmd.state() == ActionCommand.State.ACTIVE) {
                history = 1;
                for (int d = 0; d < dim; d++) {
                    v1[d] = delta[d] ? y[d] / dt : Double.NaN;
                    y1[d] = y[d];
                }
            } else if (history > 0) {
                for (int d = 0; d < dim; d++) {
                    double v = delta[d] ? y[d] / dt : (y[d] - y1[d]) / dt;
                    double vCap = Math.min(vMax[d], step[d] / dt);
                    if (Math.abs(v) > vCap * (1 + REL)) {
                        throw new AssertionError("axis " + d + " velocity " + v + " > " + vCap + " " + cmd);
                    }
                    if (history >= 2 || delta[d]) {
                        double a = (v - v1[d]) / dt;
                        if (Math.abs(a) > aMax[d] * (1 + REL)) {
                            throw new AssertionError("axis " + d + " acceleration " + a + " > " + aMax[d] + " " + cmd);
                        }
                        if (history >= 3 || (delta[d] && history >= 2)) {
                            double j = (a - a1[d]) / dt;
                            if (Math.abs(j) > jMax[d] * (1 + REL)) {
                                throw new AssertionError("axis " + d + " jerk " + j + " > " + jMax[d] + " " + cmd);
                            }
                            jerkChecks++;
                        }
                        a1[d] = a;
                    }
                    v1[d] = v;
                    y1[d] = y[d];
                }
                history++;
            }
            now += dtNanos;
        }
        ActionStats stats = ctl.stats();
        assertThat(stats.chunksOffered()).isEqualTo(offers);
        assertThat(stats.chunksAccepted() + stats.chunksRejected()).isEqualTo(offers);
        assertThat(stats.ticks()).isEqualTo(ticks);
        MAIN_PROPERTY_RAN = true;
        ACTIONS.addAndGet(offers);
        TICKS.addAndGet(ticks);
        ACTIVE.addAndGet(stats.activeTicks());
        stats.interventions().forEach((k, n) -> KINDS.computeIfAbsent(k, x -> new AtomicLong()).addAndGet(n));
        CHECKED_JERK.addAndGet(jerkChecks / Math.max(1, dim));
    }

    /** One generated value: mostly a random walk, sometimes hostile. */
    static float value(SplittableRandom rnd, float[] walk, int d) {
        int r = rnd.nextInt(1000);
        if (r < 4) {
            return Float.NaN;
        } else if (r < 6) {
            return Float.POSITIVE_INFINITY;
        } else if (r < 8) {
            return Float.NEGATIVE_INFINITY;
        } else if (r < 10) {
            return (float) 1e308; // +Infinity as a float
        } else if (r < 12) {
            return (float) -1e308;
        } else if (r < 15) {
            return Float.MAX_VALUE;
        } else if (r < 18) {
            return -Float.MAX_VALUE;
        } else if (r < 22) {
            return Float.MIN_VALUE; // subnormal
        } else if (r < 26) {
            return -1e-40f; // subnormal
        } else if (r < 28) {
            return -0.0f;
        } else if (r < 40) {
            return (float) (rnd.nextDouble() * 8 - 4); // jump
        }
        walk[d] += (float) ((rnd.nextDouble() - 0.5) * 0.05);
        if (walk[d] > 3 || walk[d] < -3) {
            walk[d] *= 0.5f;
        }
        return walk[d];
    }

    @Property(tries = 50)
    void pureScalingKeepsDirection(@ForAll long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        int dim = 2 + rnd.nextInt(6);
        long dtNanos = 1_000_000;
        double dt = 1e-3;
        double[] vMax = new double[dim];
        double[] step = new double[dim];
        for (int d = 0; d < dim; d++) {
            vMax[d] = 0.05 + rnd.nextDouble();
            step[d] = rnd.nextInt(3) == 0 ? vMax[d] * dt * rnd.nextDouble() + 1e-6 : Double.POSITIVE_INFINITY;
        }
        ActionConfig config = ActionConfig.builder().dim(dim).maxHorizon(1)
                .stepPeriod(Duration.ofNanos(dtNanos)).controlPeriod(Duration.ofNanos(dtNanos))
                .smoothing(SmoothingConfig.NONE)
                .safety(SafetyConfig.builder().maxVelocity(vMax).maxStep(step).estopAfterInvalid(0).build()).build();
        ActionController ctl = ActionController.builder(config).build();
        ActionCommand cmd = new ActionCommand(dim);
        float[] a = new float[dim];
        double[] prev = new double[dim];
        long now = 5_000_000_000L;
        boolean have = false;
        long scaled = 0;
        for (int n = 0; n < 4_000; n++) {
            for (int d = 0; d < dim; d++) {
                a[d] = (float) (rnd.nextDouble() * 4 - 2);
            }
            assertThat(ctl.offer(a, n, now)).isEqualTo(OfferStatus.ACCEPTED);
            ctl.next(now, cmd);
            assertThat(cmd.executable()).isTrue();
            if (have) {
                double dot = 0;
                double ni = 0;
                double no = 0;
                for (int d = 0; d < dim; d++) {
                    double in = a[d] - prev[d];
                    double out = cmd.value(d) - prev[d];
                    dot += in * out;
                    ni += in * in;
                    no += out * out;
                }
                if (ni > 0 && no > 0) {
                    double cos = dot / Math.sqrt(ni * no);
                    if (cos < 0.9999) {
                        throw new AssertionError("cosine " + cos + " after " + Intervention.setOf(cmd.interventions()));
                    }
                }
                if (cmd.has(Intervention.VELOCITY) || cmd.has(Intervention.MAX_STEP)) {
                    scaled++;
                }
                assertThat(cmd.has(Intervention.DIRECTION)).isFalse();
            }
            System.arraycopy(cmd.values(), 0, prev, 0, dim);
            have = true;
            now += dtNanos;
        }
        assertThat(scaled).as("ticks where scaling was needed").isGreaterThan(3_000);
        ACTIONS.addAndGet(4_000);
    }
}
