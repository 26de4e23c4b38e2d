package io.github.streaminfer.action;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/** The wait-free handoff never delivers a torn chunk, never delivers one twice, and accounts for every chunk. */
class ChunkHandoffTest {

    @Test
    void sequentialOverwriteSkipsTheOldest() {
        ChunkHandoff h = new ChunkHandoff(4, 2, 3);
        ChunkSlot dst = new ChunkSlot(2, 3);
        float[] v = new float[6];
        for (int n = 1; n <= 10; n++) {
            java.util.Arrays.fill(v, n);
            h.publish(v, 0, 3, n, n);
        }
        long expected = 7;
        while (h.poll(dst)) {
            assertThat(dst.frameId()).isEqualTo(expected++);
            assertThat(dst.get(2, 1)).isEqualTo(dst.frameId());
        }
        assertThat(expected).isEqualTo(11);
        assertThat(h.lost()).isEqualTo(6);
        assertThat(h.poll(dst)).isFalse();
    }

    @Test
    void concurrentProducerNeverTearsAChunk() throws Exception {
        int dim = 7;
        int maxH = 50;
        ChunkHandoff h = new ChunkHandoff(4, dim, maxH);
        long total = 200_000;
        AtomicBoolean done = new AtomicBoolean();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread producer = new Thread(() -> {
            float[] v = new float[dim * maxH];
            for (long n = 1; n <= total; n++) {
                int horizon = 1 + (int) (n % maxH);
                float x = (float) (n % 100_000);
                for (int i = 0; i < horizon * dim; i++) {
                    v[i] = x;
                }
                h.publish(v, 0, horizon, n, n * 7);
            }
            done.set(true);
        });
        producer.start();
        ChunkSlot dst = new ChunkSlot(dim, maxH);
        long received = 0;
        long lastId = 0;
        try {
            while (true) {
                boolean finished = done.get();
                if (h.poll(dst)) {
                    received++;
                    long id = dst.frameId();
                    assertThat(id).isGreaterThan(lastId);
                    lastId = id;
                    assertThat(dst.captureNanos()).isEqualTo(id * 7);
                    assertThat(dst.horizon()).isEqualTo(1 + (int) (id % maxH));
                    float x = (float) (id % 100_000);
                    float[] a = dst.array();
                    for (int i = 0; i < dst.horizon() * dim; i++) {
                        if (a[i] != x) {
                            throw new AssertionError("torn chunk " + id + ": value " + a[i] + " at " + i);
                        }
                    }
                } else if (finished) {
                    break;
                } else {
                    Thread.onSpinWait();
                }
            }
        } catch (Throwable t) {
            failure.set(t);
        }
        producer.join();
        if (failure.get() != null) {
            throw new AssertionError(failure.get());
        }
        assertThat(received + h.lost()).isEqualTo(total);
        assertThat(received).isPositive();
        assertThat(lastId).isEqualTo(total);
    }
}
