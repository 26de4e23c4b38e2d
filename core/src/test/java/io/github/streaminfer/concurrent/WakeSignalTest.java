package io.github.streaminfer.concurrent;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class WakeSignalTest {
    private static final long WAIT_MILLIS = 30_000;

    /** A worker that consumes a counter and sleeps on its signal whenever it has caught up. */
    private static final class CountingWorker implements Runnable, WakeSignal.Condition {
        final AtomicLong published = new AtomicLong();
        final AtomicLong consumed = new AtomicLong();
        final AtomicLong sleeps = new AtomicLong();
        final WakeSignal signal = new WakeSignal(this);
        volatile boolean running = true;

        @Override
        public long parkNanos() {
            return !running || consumed.get() != published.get() ? 0 : Long.MAX_VALUE;
        }

        @Override
        public void run() {
            while (running) {
                long target = published.get();
                if (consumed.get() != target) {
                    consumed.set(target);
                } else if (signal.park()) {
                    sleeps.incrementAndGet();
                }
            }
        }

        /** Producer: publish (an atomic increment, which is the fence the signal needs), then wake. */
        void publish() {
            published.incrementAndGet();
            signal.wake();
        }
    }

    private static void awaitCaughtUp(CountingWorker w, long target, String what) {
        long deadline = System.nanoTime() + WAIT_MILLIS * 1_000_000;
        while (w.consumed.get() != target) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("worker stuck at " + w.consumed.get() + " of " + target + ": " + what);
            }
            Thread.onSpinWait();
        }
    }

    @Test
    void noWakeUpIsLostWhenProducersRaceTheWorkerGoingToSleep() throws Exception {
        CountingWorker w = new CountingWorker();
        Thread worker = new Thread(w, "wake-worker");
        worker.start();
        try {
            for (int i = 1; i <= 20_000; i++) {
                w.publish();
                // the worker sees the new value, or the producer sees it parked and unparks it
                awaitCaughtUp(w, i, "publication " + i);
                if ((i & 7) == 0) {
                    LockSupport.parkNanos(1_000 + (i % 50) * 1_000L);
                }
            }
            assertThat(w.sleeps.get()).as("the worker slept between publications").isPositive();
        } finally {
            w.running = false;
            w.signal.wake();
            worker.join(WAIT_MILLIS);
        }
        assertThat(worker.isAlive()).isFalse();
    }

    @Test
    void aWorkerWithNothingDueSleepsWithoutATimeoutAndOnlyWakeEndsIt() throws Exception {
        CountingWorker w = new CountingWorker();
        Thread worker = new Thread(w, "sleeping-worker");
        worker.start();
        long deadline = System.currentTimeMillis() + WAIT_MILLIS;
        while (worker.getState() != Thread.State.WAITING && System.currentTimeMillis() < deadline) {
            Thread.sleep(1);
        }
        assertThat(worker.getState()).isEqualTo(Thread.State.WAITING);
        assertThat(w.signal.isParked()).isTrue();
        long sleeps = w.sleeps.get();
        Thread.sleep(100);
        assertThat(w.sleeps.get()).as("returns from park without a wake-up").isEqualTo(sleeps);
        w.publish();
        awaitCaughtUp(w, 1, "the only publication");
        w.running = false;
        w.signal.wake();
        worker.join(WAIT_MILLIS);
        assertThat(worker.isAlive()).isFalse();
    }

    @Test
    void aTimedDutySleepsWithADeadlineAndWorkWaitingDoesNotSleepAtAll() throws Exception {
        long[] due = {60_000_000_000L};
        WakeSignal signal = new WakeSignal(() -> due[0]);
        boolean[] slept = new boolean[2];
        Thread worker = new Thread(() -> {
            slept[0] = signal.park();
            due[0] = 0;
            slept[1] = signal.park();
        }, "timed-worker");
        worker.start();
        long deadline = System.currentTimeMillis() + WAIT_MILLIS;
        while (worker.getState() != Thread.State.TIMED_WAITING && System.currentTimeMillis() < deadline) {
            Thread.sleep(1);
        }
        assertThat(worker.getState()).isEqualTo(Thread.State.TIMED_WAITING);
        signal.wake();
        worker.join(WAIT_MILLIS);
        assertThat(worker.isAlive()).isFalse();
        assertThat(slept[0]).as("slept towards the duty").isTrue();
        assertThat(slept[1]).as("work waiting: no sleep").isFalse();
        assertThat(signal.isParked()).isFalse();
    }

    @Test
    void aStrayInterruptDoesNotTurnSleepingIntoSpinning() throws Exception {
        CountingWorker w = new CountingWorker();
        Thread worker = new Thread(w, "interrupted-worker");
        worker.start();
        long deadline = System.currentTimeMillis() + WAIT_MILLIS;
        while (worker.getState() != Thread.State.WAITING && System.currentTimeMillis() < deadline) {
            Thread.sleep(1);
        }
        worker.interrupt();
        while (w.sleeps.get() == 0 && System.currentTimeMillis() < deadline) {
            Thread.sleep(1);
        }
        while (worker.getState() != Thread.State.WAITING && System.currentTimeMillis() < deadline) {
            Thread.sleep(1);
        }
        long sleeps = w.sleeps.get();
        Thread.sleep(100);
        assertThat(w.sleeps.get() - sleeps).as("park returns after an interrupt").isLessThanOrEqualTo(1);
        w.running = false;
        w.signal.wake();
        worker.join(WAIT_MILLIS);
        assertThat(worker.isAlive()).isFalse();
    }

    @Test
    void parkingSpinIsValidated() {
        assertThatThrownBy(() -> IdleStrategy.parking(-1)).hasMessage("spinNanos is -1; allowed: 0 to 1000000");
        assertThatThrownBy(() -> IdleStrategy.parking(2_000_000)).hasMessageContaining("spinNanos is 2000000");
        assertThat(IdleStrategy.parking(5_000).copy()).hasToString("parking(spin=5000ns)");
    }
}
