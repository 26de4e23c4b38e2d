package io.github.streaminfer.transport.internal.http;

import org.junit.jupiter.api.Test;

import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

import static org.assertj.core.api.Assertions.assertThat;

/** The ledger of owed replies: each recorded frame is claimed once, by whichever party comes first. */
class ReplyLedgerTest {

    @Test
    void aRecordedFrameIsClaimedOnceAndACancelledOneNever() {
        ReplyLedger l = new ReplyLedger();
        assertThat(l.record(1)).as("owes nothing before the session is open").isEqualTo(-1);
        l.open(1);
        l.record(1);
        int two = l.record(2);
        l.record(3);
        l.cancel(two, 2);
        assertThat(l.claim(2)).as("cancelled").isFalse();
        assertThat(l.claim(3)).isTrue();
        assertThat(l.claim(3)).as("claimed twice").isFalse();
        assertThat(l.claimBefore(Long.MAX_VALUE)).isEqualTo(1);
        assertThat(l.claimBefore(Long.MAX_VALUE)).isZero();
    }

    @Test
    void claimBeforeTakesTheOlderFramesOldestFirstAndLeavesTheRest() {
        ReplyLedger l = new ReplyLedger();
        l.open(8);
        for (long seq : new long[]{7, 3, 9, 5}) {
            l.record(seq);
        }
        assertThat(l.claimBefore(9)).isEqualTo(3);
        assertThat(l.claimBefore(9)).isEqualTo(5);
        assertThat(l.claimBefore(9)).isEqualTo(7);
        assertThat(l.claimBefore(9)).isZero();
        assertThat(l.claim(9)).isTrue();
    }

    @Test
    void aFullLedgerRefusesUntilAnEntryIsClaimed() {
        ReplyLedger l = new ReplyLedger();
        l.open(1); // one queued frame plus slack
        int n = 0;
        while (l.record(n + 1) >= 0) {
            n++;
        }
        assertThat(n).isEqualTo(9);
        assertThat(l.claim(4)).isTrue();
        assertThat(l.record(100)).isNotNegative();
    }

    @Test
    void racingClaimantsAnswerEveryFrameExactlyOnce() throws Exception {
        int frames = 100_000;
        ReplyLedger l = new ReplyLedger();
        l.open(64);
        AtomicLongArray answers = new AtomicLongArray(frames + 1);
        AtomicLong recorded = new AtomicLong();
        CyclicBarrier start = new CyclicBarrier(3);
        // the worker claims each result's frame and sweeps older ones; the event loop claims frames it saw dropped
        Thread worker = new Thread(() -> {
            await(start);
            for (long seq = 1; seq <= frames; seq += 3) {
                while (recorded.get() < seq) {
                    Thread.onSpinWait();
                }
                for (long d; (d = l.claimBefore(seq)) != 0; ) {
                    answers.incrementAndGet((int) d);
                }
                if (l.claim(seq)) {
                    answers.incrementAndGet((int) seq);
                }
            }
        });
        Thread loop = new Thread(() -> {
            await(start);
            for (long seq = 2; seq <= frames; seq += 3) {
                if (l.claim(seq)) {
                    answers.incrementAndGet((int) seq);
                }
            }
        });
        worker.start();
        loop.start();
        await(start);
        for (long seq = 1; seq <= frames; seq++) {
            while (l.record(seq) < 0) {
                Thread.onSpinWait(); // full: wait for claims
            }
            recorded.set(seq);
        }
        worker.join();
        loop.join();
        for (long d; (d = l.claimBefore(Long.MAX_VALUE)) != 0; ) { // the close answers what is left
            answers.incrementAndGet((int) d);
        }
        for (int seq = 1; seq <= frames; seq++) {
            assertThat(answers.get(seq)).as("answers to frame %d", seq).isEqualTo(1);
        }
    }

    private static void await(CyclicBarrier b) {
        try {
            b.await();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
