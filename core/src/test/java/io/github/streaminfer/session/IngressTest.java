package io.github.streaminfer.session;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/** The bounded ingress on its own, driven from one thread: slots, order, and the worker's grouped slot return. */
class IngressTest {
    private static final BooleanSupplier OPEN = () -> false;

    private static Ingress block(int capacity, IngressQueueType type) {
        return Ingress.create(IngressPolicy.block(capacity), ProducerMode.SINGLE, type, new SessionCounters());
    }

    @ParameterizedTest
    @EnumSource(IngressQueueType.class)
    void blockHandsOutFramesInOrderAcrossManyRefills(IngressQueueType type) {
        Ingress ingress = block(64, type);
        IngressSlot frame = new IngressSlot();
        List<Long> seen = new ArrayList<>();
        long next = 0;
        for (int round = 0; round < 100; round++) {
            // fill to capacity, take a few, flush as a duty cycle's end does
            while (ingress.size() < 64) {
                assertThat(ingress.offer("o", next++, 0, 0, OPEN)).isEqualTo(SubmitStatus.ACCEPTED);
            }
            for (int i = 0; i < 1 + round % 40; i++) {
                assertThat(ingress.poll(frame)).isTrue();
                seen.add(frame.frameId);
            }
            ingress.flush();
        }
        while (ingress.poll(frame)) {
            seen.add(frame.frameId);
        }
        assertThat(seen).hasSize((int) next);
        for (int i = 0; i < seen.size(); i++) {
            assertThat(seen.get(i)).isEqualTo(i);
        }
    }

    @Test
    void slotsHeldByTheWorkerReturnAtTheEndOfTheCycle() {
        Ingress ingress = block(64, IngressQueueType.JCTOOLS);
        IngressSlot frame = new IngressSlot();
        for (int i = 0; i < 64; i++) {
            ingress.offer("o", i, 0, 0, OPEN);
        }
        for (int i = 0; i < 10; i++) {
            assertThat(ingress.poll(frame)).isTrue();
        }
        // the ten freed slots are held back as one group: a producer sees no room until the cycle ends...
        assertThat(ingress.offer("late", 100, 0, 0, () -> true)).isEqualTo(SubmitStatus.CLOSED);
        ingress.flush();
        // ...then all ten at once
        for (int i = 0; i < 10; i++) {
            assertThat(ingress.offer("o", 200 + i, 0, 0, OPEN)).isEqualTo(SubmitStatus.ACCEPTED);
        }
        assertThat(ingress.size()).isEqualTo(64);
    }

    @Test
    void aFullGroupReturnsWithoutWaitingForTheCycleEnd() {
        Ingress ingress = block(256, IngressQueueType.JCTOOLS);
        IngressSlot frame = new IngressSlot();
        for (int i = 0; i < 256; i++) {
            ingress.offer("o", i, 0, 0, OPEN);
        }
        for (int i = 0; i < 256 / 4; i++) { // a group is a quarter of the capacity
            ingress.poll(frame);
        }
        assertThat(ingress.offer("o", 1000, 0, 0, OPEN)).isEqualTo(SubmitStatus.ACCEPTED);
    }

    @Test
    void anEmptyQueueReturnsHeldSlots() {
        Ingress ingress = block(8, IngressQueueType.JCTOOLS);
        IngressSlot frame = new IngressSlot();
        for (int i = 0; i < 8; i++) {
            ingress.offer("o", i, 0, 0, OPEN);
        }
        while (ingress.poll(frame)) {
            frame.observation = null;
        }
        for (int i = 0; i < 8; i++) {
            assertThat(ingress.offer("o", 10 + i, 0, 0, OPEN)).as("slot %d", i).isEqualTo(SubmitStatus.ACCEPTED);
        }
    }

    @Test
    void rejectNewestKeepsItsExactCapacity() {
        Ingress ingress = Ingress.create(IngressPolicy.rejectNewest(8), ProducerMode.SINGLE,
                IngressQueueType.JCTOOLS, new SessionCounters());
        IngressSlot frame = new IngressSlot();
        for (int i = 0; i < 8; i++) {
            ingress.offer("o", i, 0, 0, OPEN);
        }
        ingress.poll(frame);
        // no grouping outside BLOCK: the freed slot is available at once
        assertThat(ingress.offer("o", 8, 0, 0, OPEN)).isEqualTo(SubmitStatus.ACCEPTED);
        assertThat(ingress.offer("o", 9, 0, 0, OPEN)).isEqualTo(SubmitStatus.REJECTED_FULL);
    }

    @ParameterizedTest
    @EnumSource(IngressQueueType.class)
    void aReplacingOfferNamesTheFrameItDropped(IngressQueueType type) {
        Ingress dropOldest = Ingress.create(IngressPolicy.dropOldest(2), ProducerMode.SINGLE, type,
                new SessionCounters());
        IngressSlot frame = new IngressSlot();
        dropOldest.offer("o", 10, 0, 0, OPEN);
        dropOldest.offer("o", 11, 0, 0, OPEN);
        assertThat(dropOldest.offer("o", 12, 0, 0, OPEN)).isEqualTo(SubmitStatus.REPLACED_OLDEST);
        assertThat(dropOldest.replacedFrameId).isEqualTo(10);
        dropOldest.poll(frame); // the worker takes 11: the next drop is 12
        dropOldest.offer("o", 13, 0, 0, OPEN);
        assertThat(dropOldest.offer("o", 14, 0, 0, OPEN)).isEqualTo(SubmitStatus.REPLACED_OLDEST);
        assertThat(frame.frameId).isEqualTo(11);
        assertThat(dropOldest.replacedFrameId).isEqualTo(12);

        Ingress latest = Ingress.create(IngressPolicy.LATEST_ONLY, ProducerMode.SINGLE, type, new SessionCounters());
        latest.offer("o", 20, 0, 0, OPEN);
        assertThat(latest.offer("o", 21, 0, 0, OPEN)).isEqualTo(SubmitStatus.REPLACED_OLDEST);
        assertThat(latest.replacedFrameId).isEqualTo(20);
        latest.poll(frame); // 21 is taken, so the next frame replaces nothing
        assertThat(latest.offer("o", 22, 0, 0, OPEN)).isEqualTo(SubmitStatus.ACCEPTED);
        assertThat(latest.offer("o", 23, 0, 0, OPEN)).isEqualTo(SubmitStatus.REPLACED_OLDEST);
        assertThat(latest.replacedFrameId).isEqualTo(22);
    }
}
