package io.github.streaminfer.transport.internal.vla;

import io.github.streaminfer.session.SubmitStatus;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** When the pool hands a frame out again: never while the session may still read it. */
class VlaFramePoolTest {

    /** @return a frame taken from the pool and submitted as frame {@code seq} with {@code status} */
    static VlaFramePool.Slot submit(VlaFramePool pool, long seq, SubmitStatus status) {
        VlaFramePool.Slot s = pool.acquire();
        pool.submitted(s, seq, status);
        return s;
    }

    @Test
    void anAcceptedFrameStaysHeldUntilItsResultOrALaterOneIsPublished() {
        VlaFramePool pool = new VlaFramePool(false);
        VlaFramePool.Slot a = submit(pool, 1, SubmitStatus.ACCEPTED);
        VlaFramePool.Slot b = submit(pool, 2, SubmitStatus.ACCEPTED);
        assertThat(b).isNotSameAs(a);
        assertThat(pool.acquire()).as("both held").isNotIn(a, b);
        pool.completed(1);
        assertThat(pool.acquire()).as("frame 1's result is out").isSameAs(a);
        pool.submitted(a, 4, SubmitStatus.REPLACED_OLDEST);
        pool.completed(3);
        assertThat(pool.acquire()).as("frame 2 is done: the session works in order").isSameAs(b);
        assertThat(pool.acquire()).as("a carries frame 4 now").isNotIn(a, b);
    }

    @Test
    void aRefusedOrUnsubmittedFrameIsFreeAtOnce() {
        VlaFramePool pool = new VlaFramePool(false);
        VlaFramePool.Slot a = pool.acquire();
        for (SubmitStatus refused : new SubmitStatus[]{SubmitStatus.REJECTED_FULL, SubmitStatus.RATE_LIMITED,
            SubmitStatus.CLOSED}) {
            pool.submitted(a, 1, refused);
            assertThat(pool.acquire()).as(refused.name()).isSameAs(a);
        }
        pool.release(a);
        assertThat(pool.acquire()).isSameAs(a);
        assertThat(pool.acquire()).as("a is out again, not yet submitted").isNotSameAs(a);
    }

    @Test
    void aConflatingQueueFreesTheFrameItReplaced() {
        VlaFramePool pool = new VlaFramePool(true);
        submit(pool, 1, SubmitStatus.ACCEPTED); // the worker takes it
        VlaFramePool.Slot b = submit(pool, 2, SubmitStatus.ACCEPTED); // waits in the mailbox
        VlaFramePool.Slot c = submit(pool, 3, SubmitStatus.REPLACED_OLDEST); // replaces 2, unread
        assertThat(pool.acquire()).as("frame 2 was dropped unread").isSameAs(b);
        pool.submitted(b, 4, SubmitStatus.REPLACED_OLDEST); // replaces 3
        assertThat(pool.acquire()).isSameAs(c);
        pool.release(c);
        assertThat(pool.pooled()).as("one in inference, one waiting, one being filled").isEqualTo(3);
    }

    @Test
    void aBoundedQueueDoesNotTakeReplacedForTheLastFrame() {
        VlaFramePool pool = new VlaFramePool(false);
        VlaFramePool.Slot a = submit(pool, 1, SubmitStatus.ACCEPTED);
        VlaFramePool.Slot b = submit(pool, 2, SubmitStatus.REPLACED_OLDEST); // dropped the oldest waiting: which?
        assertThat(pool.acquire()).isNotIn(a, b);
    }

    @Test
    void aFrameFreedAndRefilledIsNotFreedByAStaleReplacement() {
        VlaFramePool pool = new VlaFramePool(true);
        VlaFramePool.Slot a = submit(pool, 1, SubmitStatus.ACCEPTED);
        pool.completed(1);
        assertThat(pool.acquire()).isSameAs(a); // being filled with frame 2: it belongs to the connection now
        VlaFramePool.Slot other = submit(pool, 3, SubmitStatus.REPLACED_OLDEST);
        assertThat(pool.acquire()).as("a is still being filled").isNotIn(a, other);
    }

    @Test
    void whenEveryPooledFrameIsHeldFramesOutsideThePoolAreUsed() {
        VlaFramePool pool = new VlaFramePool(false);
        List<VlaFramePool.Slot> held = new ArrayList<>();
        for (int i = 1; i <= VlaFramePool.MAX_POOLED + 5; i++) {
            VlaFramePool.Slot s = submit(pool, i, SubmitStatus.ACCEPTED);
            assertThat(s).isNotIn(held);
            held.add(s);
        }
        assertThat(pool.pooled()).isEqualTo(VlaFramePool.MAX_POOLED);
        pool.completed(VlaFramePool.MAX_POOLED + 5);
        assertThat(pool.acquire()).isSameAs(held.get(0));
    }

    @Test
    void aHugeImageBufferIsGivenUpWhenSmallerImagesComeAgain() {
        VlaFramePool.Slot s = new VlaFramePool.Slot();
        assertThat(s.imageBuffer(1000)).hasSizeGreaterThanOrEqualTo(1000);
        byte[] grown = s.imageBuffer(5000);
        assertThat(grown).hasSizeGreaterThanOrEqualTo(5000);
        assertThat(s.imageBuffer(4000)).as("kept for a smaller image").isSameAs(grown);
        assertThat(s.imageBuffer(3 * VlaFramePool.Slot.RETAINED)).hasSizeGreaterThanOrEqualTo(
                3 * VlaFramePool.Slot.RETAINED);
        assertThat(s.imageBuffer(2 * VlaFramePool.Slot.RETAINED)).as("still needed")
                .hasSizeGreaterThanOrEqualTo(3 * VlaFramePool.Slot.RETAINED);
        byte[] small = s.imageBuffer(5000);
        assertThat(small.length).isBetween(5000, VlaFramePool.Slot.RETAINED);
        assertThat(s.imageBuffer(5000)).isSameAs(small);
    }
}
