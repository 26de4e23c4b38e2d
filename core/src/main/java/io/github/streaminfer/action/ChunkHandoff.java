package io.github.streaminfer.action;

import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Wait-free single-producer / single-consumer handoff of chunks: a ring of pre-allocated chunk slots, each guarded
 * by a sequence lock. The producer never waits: when the consumer is a full ring behind, the producer overwrites
 * the oldest unread slot and the consumer skips it (counted in {@link #lost()}). The consumer copies a slot out and
 * re-checks the slot's sequence, so a slot overwritten during the copy is detected and skipped, never half-read.
 *
 * <p><b>Note:</b> one producer thread and one consumer thread.
 */
final class ChunkHandoff {
    private final ChunkSlot[] slots;
    private final AtomicLongArray slotSeq;
    private final AtomicLong published = new AtomicLong();
    private final AtomicLong lost = new AtomicLong();
    private final int mask;
    private final int maxHorizon;
    private long produced;
    private long next = 1;

    ChunkHandoff(int capacity, int dim, int maxHorizon) {
        this.slots = new ChunkSlot[capacity];
        for (int i = 0; i < capacity; i++) {
            slots[i] = new ChunkSlot(dim, maxHorizon);
        }
        this.slotSeq = new AtomicLongArray(capacity);
        this.mask = capacity - 1;
        this.maxHorizon = maxHorizon;
    }

    /** Producer only. Values must already be validated. */
    void publish(float[] src, int offset, int horizon, long frameId, long captureNanos) {
        long n = ++produced;
        int i = (int) ((n - 1) & mask);
        slotSeq.setOpaque(i, 2 * n - 1);
        VarHandle.storeStoreFence();
        ChunkSlot s = slots[i];
        System.arraycopy(src, offset, s.array(), 0, horizon * s.dim());
        s.setMeta(horizon, frameId, captureNanos);
        slotSeq.setRelease(i, 2 * n);
        published.setRelease(n);
    }

    /**
     * Consumer only: copies the next unread chunk into {@code dst}.
     *
     * @return true if a chunk was copied
     */
    boolean poll(ChunkSlot dst) {
        for (int attempt = 0; attempt <= slots.length; attempt++) {
            long pub = published.getAcquire();
            if (next > pub) {
                return false;
            }
            if (pub - next >= slots.length) {
                long skip = pub - next - slots.length + 1;
                lost.setRelease(lost.getPlain() + skip);
                next += skip;
            }
            int i = (int) ((next - 1) & mask);
            long s1 = slotSeq.getAcquire(i);
            if (s1 == 2 * next) {
                ChunkSlot s = slots[i];
                int h = s.horizon();
                if (h >= 1 && h <= maxHorizon) {
                    System.arraycopy(s.array(), 0, dst.array(), 0, h * s.dim());
                    dst.setMeta(h, s.frameId(), s.captureNanos());
                    VarHandle.loadLoadFence();
                    if (slotSeq.getOpaque(i) == s1) {
                        next++;
                        return true;
                    }
                }
            }
            // overwritten before or during the copy: skip it
            lost.setRelease(lost.getPlain() + 1);
            next++;
        }
        return false;
    }

    /** {@return chunks the consumer skipped because the producer lapped it (any thread)} */
    long lost() {
        return lost.get();
    }

    /** {@return chunks published (any thread)} */
    long published() {
        return published.get();
    }

    /** Consumer only: forget everything unread. */
    void skipAll() {
        next = published.getAcquire() + 1;
    }
}
