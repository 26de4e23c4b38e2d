package io.github.streaminfer.transport.internal.http;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The frame-rate gate forgives a server-side stall (frames that waited in TCP and are read back to back) without
 * letting a client exceed its rate over time.
 */
class RateGateTest {
    private static final long MS = 1_000_000L;
    private static final long FIVE_SECONDS = 5_000 * MS;

    /** Sends at exactly {@code fps} from {@code from} for {@code frames} frames; returns how many were refused. */
    private static int steady(RateGate g, long from, int frames, double fps) {
        int refused = 0;
        for (int i = 0; i < frames; i++) {
            if (!g.tryAcquire(from + (long) (i * 1e9 / fps))) {
                refused++;
            }
        }
        return refused;
    }

    @Test
    void framesThatWaitedInTcpDuringAServerStallAreNotChargedAsABurst() {
        RateGate g = new RateGate(10, FIVE_SECONDS);
        assertThat(steady(g, 0, 30, 10)).isZero();
        // the server stalls 3.9 s; the client kept sending at 10 fps, and its 39 frames are read at once
        long resumed = 2_900 * MS + 3_900 * MS;
        int refused = 0;
        for (int i = 0; i < 39; i++) {
            if (!g.tryAcquire(resumed)) {
                refused++;
            }
        }
        assertThat(refused).isZero();
        // the client goes on at its rate, and a second stall is forgiven as well
        assertThat(steady(g, resumed + 100 * MS, 30, 10)).isZero();
        long again = resumed + 3_000 * MS + 3_000 * MS;
        for (int i = 0; i < 30; i++) {
            assertThat(g.tryAcquire(again)).as("frame %d after the second stall", i).isTrue();
        }
    }

    @Test
    void aPlainBucketWouldHaveRefusedMostOfThem() {
        RateGate g = new RateGate(10);
        steady(g, 0, 30, 10);
        long resumed = 2_900 * MS + 3_900 * MS;
        int admitted = 0;
        for (int i = 0; i < 39; i++) {
            if (g.tryAcquire(resumed)) {
                admitted++;
            }
        }
        assertThat(admitted).isLessThanOrEqualTo(2);
    }

    @Test
    void aClientAboveItsRateIsStillLimited() {
        RateGate g = new RateGate(10, FIVE_SECONDS);
        int frames = 20 * 30;
        int refused = steady(g, 0, frames, 20);
        int admitted = frames - refused;
        // 30 s at 10 fps, plus the burst
        assertThat(admitted).isBetween(300, 303);
    }

    @Test
    void aBurstAfterSilenceIsBoundedByTheCatchUp() {
        RateGate g = new RateGate(10, FIVE_SECONDS);
        g.tryAcquire(0);
        int admitted = 0;
        for (int i = 0; i < 1000; i++) {
            if (g.tryAcquire(60_000 * MS)) {
                admitted++;
            }
        }
        // a minute of silence earns at most 5 s of frames beyond the burst of 2
        assertThat(admitted).isEqualTo(52);
    }

    @Test
    void creditAboveTheBurstIsSpentThenTheRateAppliesAgain() {
        RateGate g = new RateGate(10, FIVE_SECONDS);
        g.tryAcquire(0);
        long t = 5_000 * MS; // a 5 s pause: 50 frames of credit
        int refusedEarly = 0;
        int refusedLate = 0;
        for (int i = 0; i < 15 * 30; i++) {
            boolean ok = g.tryAcquire(t + (long) (i * 1e9 / 15));
            if (!ok && i < 45) {
                refusedEarly++;
            } else if (!ok && i >= 15 * 15) {
                refusedLate++;
            }
        }
        assertThat(refusedEarly).as("the credit covers the first frames above the rate").isZero();
        assertThat(refusedLate).as("then a third of the frames at 15 fps are above 10 fps").isBetween(70, 80);
    }
}
