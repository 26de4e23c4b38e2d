package io.github.streaminfer.stats;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Recording against a reader that takes intervals at the same time: no value is lost or counted twice, totals only
 * grow, and the reader waits for a writer that is inside its critical section.
 */
class HistogramRecorderConcurrencyTest {
    private static final int PER_WRITER = 200_000;

    @Test
    void concurrentWritersAndAReaderLoseNoValueAndCountNoneTwice() throws Exception {
        HistogramRecorder recorder = HistogramRecorder.multiWriter(1L << 40, 7);
        int writers = 4;
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int w = 0; w < writers; w++) {
            int offset = w * PER_WRITER;
            Thread t = new Thread(() -> {
                await(start);
                for (int i = 1; i <= PER_WRITER; i++) {
                    recorder.recordValue(offset + i); // every writer its own values: 1 .. writers × PER_WRITER
                }
            });
            t.start();
            threads.add(t);
        }
        LogLinearHistogram total = new LogLinearHistogram(1L << 40, 7);
        start.countDown();
        long previous = 0;
        int intervals = 0;
        while (threads.stream().anyMatch(Thread::isAlive)) {
            recorder.addIntervalTo(total);
            intervals++;
            assertThat(total.totalCount()).isGreaterThanOrEqualTo(previous);
            previous = total.totalCount();
        }
        for (Thread t : threads) {
            t.join();
        }
        recorder.addIntervalTo(total);
        long n = (long) writers * PER_WRITER;
        assertThat(intervals).isPositive();
        assertThat(total.totalCount()).isEqualTo(n);
        assertThat(total.min()).isEqualTo(1);
        assertThat(total.max()).isEqualTo(n);
        assertThat(total.mean()).isEqualTo((n + 1) / 2.0); // the exact sum: nothing lost, nothing twice
        assertThat(total.valueAtPercentile(50)).isBetween(n / 2, n / 2 + n / 2 / 128);
        recorder.addIntervalTo(total);
        assertThat(total.totalCount()).as("an interval holds only what came after the last one").isEqualTo(n);
    }

    @Test
    void aSingleWriterWithAConcurrentReaderLosesNoValue() throws Exception {
        HistogramRecorder recorder = HistogramRecorder.singleWriter(1L << 40, 7);
        int n = 1_000_000;
        Thread writer = new Thread(() -> {
            for (int i = 1; i <= n; i++) {
                recorder.recordValue(i);
            }
        });
        LogLinearHistogram total = new LogLinearHistogram(1L << 40, 7);
        writer.start();
        while (writer.isAlive()) {
            recorder.addIntervalTo(total);
        }
        writer.join();
        recorder.addIntervalTo(total);
        assertThat(total.totalCount()).isEqualTo(n);
        assertThat(total.mean()).isEqualTo((n + 1) / 2.0);
        assertThat(total.max()).isEqualTo(n);
        assertThat(total.min()).isEqualTo(1);
    }

    @Test
    void aFlipWaitsForTheWriterInsideItsCriticalSection() throws Exception {
        RecordingPhaser phaser = new RecordingPhaser();
        long ticket = phaser.enter();
        AtomicBoolean flipped = new AtomicBoolean();
        Thread reader = new Thread(() -> {
            phaser.flip();
            flipped.set(true);
        });
        reader.start();
        reader.join(200);
        assertThat(flipped).as("the reader must not pass a writer still inside").isFalse();
        phaser.exit(ticket);
        reader.join(10_000);
        assertThat(flipped).isTrue();
        // writers that enter after the flip are in the new phase: the next flip does not wait for the old one
        long next = phaser.enter();
        phaser.exit(next);
        phaser.flip();
        phaser.flip();
    }

    private static void await(CountDownLatch l) {
        try {
            l.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
