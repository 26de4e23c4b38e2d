package io.github.streaminfer.session;

import org.jctools.queues.MpmcArrayQueue;
import org.jctools.queues.MpscArrayQueue;
import org.jctools.queues.SpmcArrayQueue;
import org.jctools.queues.SpscArrayQueue;

import java.util.Queue;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * The ingress of one session: producers {@link #offer}, the worker {@link #poll}s.
 *
 * <p>Every implementation holds a fixed set of pre-allocated {@link IngressSlot}s; a slot goes from a free pool
 * to the queue (producer), is copied out by the worker and goes straight back to the pool, so the number of
 * waiting frames never exceeds the policy's capacity and nothing is allocated per frame.
 *
 * <p>Queues used, by policy and producer mode (JCTools):
 * <table>
 *   <caption>queues per case</caption>
 *   <tr><th>policy</th><th>SINGLE producer</th><th>MULTI producer</th></tr>
 *   <tr><td>LATEST_ONLY</td><td>atomic mailbox + MPSC free pool</td><td>atomic mailbox + MPMC free pool</td></tr>
 *   <tr><td>REJECT_NEWEST, BLOCK</td><td>SPSC queue + SPSC free pool</td><td>MPSC queue + SPMC free pool</td></tr>
 *   <tr><td>DROP_OLDEST</td><td>SPMC queue + MPSC free pool</td><td>MPMC queue + MPMC free pool</td></tr>
 * </table>
 * DROP_OLDEST producers take from the queue themselves (the oldest frame), which makes the queue multi-consumer.
 *
 * <p>Under BLOCK the worker returns freed slots to the pool in groups (up to a quarter of the capacity, at most 128,
 * and always at the end of a duty cycle or when the queue runs empty), so a producer that keeps the queue full
 * refills a run of entries instead of chasing the worker one entry behind it.
 */
abstract class Ingress {
    final SessionCounters counters;
    /**
     * The id of the frame that the last offer returning {@link SubmitStatus#REPLACED_OLDEST} dropped. Written by
     * that offer's producer, for that producer to read next: exact with one producer.
     */
    long replacedFrameId = -1;

    Ingress(SessionCounters counters) {
        this.counters = counters;
    }

    static Ingress create(IngressPolicy policy, ProducerMode mode, IngressQueueType type, SessionCounters counters) {
        if (policy.kind() == IngressPolicy.Kind.LATEST_ONLY) {
            return new Conflating(mode, counters);
        }
        return new Bounded(policy, mode, type, counters);
    }

    /**
     * {@return the outcome; counts drops it causes}
     *
     * @param closed tells a waiting BLOCK producer to give up
     */
    abstract SubmitStatus offer(Object observation, long frameId, long captureNanos, long submitNanos,
                                BooleanSupplier closed);

    /**
     * Worker only.
     *
     * @param dst receives the oldest (or, for LATEST_ONLY, the only) waiting frame
     * @return false if nothing is waiting
     */
    abstract boolean poll(IngressSlot dst);

    /** {@return frames waiting now} */
    abstract int size();

    /** Worker only: returns the slots the worker took but has not yet given back to the free pool. */
    void flush() {
    }

    /**
     * Removes every waiting frame. Worker only, or once nothing runs concurrently.
     *
     * @return frames removed
     */
    int clear() {
        IngressSlot scratch = new IngressSlot();
        int n = 0;
        while (poll(scratch)) {
            scratch.observation = null;
            n++;
        }
        flush();
        return n;
    }

    /** How a BLOCK producer waits for room: spin, then yield, then park 50 µs at a time. No allocation. */
    static void blockIdle(int waits) {
        if (waits < 100) {
            Thread.onSpinWait();
        } else if (waits < 120) {
            Thread.yield();
        } else {
            LockSupport.parkNanos(50_000);
        }
    }

    /** LATEST_ONLY: an atomic mailbox; the newest frame replaces a waiting one. */
    static final class Conflating extends Ingress {
        private final java.util.concurrent.atomic.AtomicReference<IngressSlot> mailbox =
                new java.util.concurrent.atomic.AtomicReference<>();
        private final Queue<IngressSlot> pool;

        Conflating(ProducerMode mode, SessionCounters counters) {
            super(counters);
            // mailbox + worker + producers mid-offer; extra slots only cost a few bytes each
            int slots = mode == ProducerMode.SINGLE ? 4 : 64;
            pool = mode == ProducerMode.SINGLE ? new MpscArrayQueue<>(slots) : new MpmcArrayQueue<>(slots);
            for (int i = 0; i < slots; i++) {
                pool.offer(new IngressSlot());
            }
        }

        @Override
        SubmitStatus offer(Object observation, long frameId, long captureNanos, long submitNanos,
                           BooleanSupplier closed) {
            IngressSlot s = pool.poll();
            if (s == null) {
                // more producers are inside offer() at this instant than there are slots
                counters.increment(SessionCounters.REJECTED_FULL);
                return SubmitStatus.REJECTED_FULL;
            }
            s.set(observation, frameId, captureNanos, submitNanos);
            IngressSlot previous = mailbox.getAndSet(s);
            if (previous == null) {
                return SubmitStatus.ACCEPTED;
            }
            previous.observation = null;
            replacedFrameId = previous.frameId; // before the slot goes back to the pool, where producers reuse it
            pool.offer(previous);
            counters.increment(SessionCounters.DROPPED_REPLACED);
            return SubmitStatus.REPLACED_OLDEST;
        }

        @Override
        boolean poll(IngressSlot dst) {
            if (mailbox.get() == null) {
                return false;
            }
            IngressSlot s = mailbox.getAndSet(null);
            if (s == null) {
                return false;
            }
            s.moveTo(dst);
            pool.offer(s);
            return true;
        }

        @Override
        int size() {
            return mailbox.get() == null ? 0 : 1;
        }
    }

    /** DROP_OLDEST, REJECT_NEWEST and BLOCK over a bounded queue and a free pool of exactly {@code capacity} slots. */
    static final class Bounded extends Ingress {
        private static final int DROP_OLDEST_ATTEMPTS = 64;
        private static final int HOLD_MAX = 128;
        private final IngressPolicy.Kind kind;
        private final Queue<IngressSlot> queue;
        private final Queue<IngressSlot> pool;
        /** BLOCK only: slots the worker holds back and returns to the pool together (see {@link #poll}). */
        private final IngressSlot[] held;
        private int heldCount;

        Bounded(IngressPolicy policy, ProducerMode mode, IngressQueueType type, SessionCounters counters) {
            super(counters);
            this.kind = policy.kind();
            int n = policy.capacity();
            int qcap = Math.max(2, n);
            boolean single = mode == ProducerMode.SINGLE;
            if (type == IngressQueueType.JDK_ARRAY_BLOCKING) {
                queue = new ArrayBlockingQueue<>(qcap);
                pool = new ArrayBlockingQueue<>(qcap);
            } else if (kind == IngressPolicy.Kind.DROP_OLDEST) {
                queue = single ? new SpmcArrayQueue<>(qcap) : new MpmcArrayQueue<>(qcap);
                pool = single ? new MpscArrayQueue<>(qcap) : new MpmcArrayQueue<>(qcap);
            } else {
                queue = single ? new SpscArrayQueue<>(qcap) : new MpscArrayQueue<>(qcap);
                pool = single ? new SpscArrayQueue<>(qcap) : new SpmcArrayQueue<>(qcap);
            }
            for (int i = 0; i < n; i++) {
                pool.offer(new IngressSlot());
            }
            held = new IngressSlot[kind == IngressPolicy.Kind.BLOCK ? Math.min(HOLD_MAX, n / 4) : 0];
        }

        @Override
        SubmitStatus offer(Object observation, long frameId, long captureNanos, long submitNanos,
                           BooleanSupplier closed) {
            SubmitStatus status = SubmitStatus.ACCEPTED;
            IngressSlot s = pool.poll();
            if (s == null) {
                switch (kind) {
                    case REJECT_NEWEST -> {
                        counters.increment(SessionCounters.REJECTED_FULL);
                        return SubmitStatus.REJECTED_FULL;
                    }
                    case DROP_OLDEST -> {
                        for (int attempt = 0; s == null; attempt++) {
                            IngressSlot oldest = queue.poll();
                            if (oldest != null) {
                                oldest.observation = null;
                                replacedFrameId = oldest.frameId;
                                counters.increment(SessionCounters.DROPPED_REPLACED);
                                status = SubmitStatus.REPLACED_OLDEST;
                                s = oldest;
                            } else if ((s = pool.poll()) == null && attempt >= DROP_OLDEST_ATTEMPTS) {
                                // every slot is held by other producers mid-offer
                                counters.increment(SessionCounters.REJECTED_FULL);
                                return SubmitStatus.REJECTED_FULL;
                            }
                        }
                    }
                    default -> {
                        for (int waits = 0; (s = pool.poll()) == null; waits++) {
                            if (closed.getAsBoolean()) {
                                counters.increment(SessionCounters.REJECTED_CLOSED);
                                return SubmitStatus.CLOSED;
                            }
                            blockIdle(waits);
                        }
                    }
                }
            }
            s.set(observation, frameId, captureNanos, submitNanos);
            if (!queue.offer(s)) {
                // cannot happen: the queue holds at least as many entries as there are slots
                throw new IllegalStateException("ingress queue refused a slot; queue capacity below slot count");
            }
            return status;
        }

        @Override
        boolean poll(IngressSlot dst) {
            IngressSlot s = queue.poll();
            if (s == null) {
                flush();
                return false;
            }
            s.moveTo(dst);
            if (held.length == 0) {
                pool.offer(s);
            } else {
                // a BLOCK queue that stays full makes the producer take each slot the instant the worker frees it,
                // so both threads work on neighbouring queue entries and bounce their cache lines; returning freed
                // slots in groups lets the producer fill a run of entries while the worker reads others
                held[heldCount++] = s;
                if (heldCount == held.length) {
                    flush();
                }
            }
            return true;
        }

        @Override
        void flush() {
            for (int i = 0; i < heldCount; i++) {
                pool.offer(held[i]);
                held[i] = null;
            }
            heldCount = 0;
        }

        @Override
        int size() {
            return queue.size();
        }
    }
}
