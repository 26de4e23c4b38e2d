package io.github.streaminfer.concurrent;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Objects;
import java.util.concurrent.locks.LockSupport;

/**
 * Lets a worker thread sleep until a producer hands it work: the worker {@link #park()}s, a producer that has just
 * published work calls {@link #wake()}.
 *
 * <p>The hand-over cannot lose a wake-up. Before it sleeps the worker publishes that it is parked (a volatile
 * store), then asks its {@link Condition} again whether work is waiting, and sleeps only if none is. A producer
 * publishes its work, then reads the parked flag and unparks the worker only when the flag is set. Either the
 * worker's second look sees the work, or the producer sees the flag. For that the producer must order its
 * publication before its read of the flag with a full fence: a volatile write or an atomic read-modify-write
 * between the two does it (the session's submit path has one after every frame).
 *
 * <p>{@code wake()} on an awake worker is one volatile read: no store, no system call. A worker that is parked
 * costs its waker one {@link LockSupport#unpark} (the first waker to clear the flag pays it, the others read an
 * already cleared flag). The worker's thread is not interruptible through this class: {@code park()} clears a stray
 * interrupt before it sleeps, so an interrupt cannot turn sleeping into spinning; stop a worker with its own
 * flag and {@code wake()}.
 *
 * <p><b>Note:</b> {@link #wake()} is safe from any thread and allocation-free; {@link #park()} is for the one
 * worker thread that owns the signal.
 *
 * @since 0.1.0
 */
public final class WakeSignal {
    private static final int AWAKE = 0;
    private static final int PARKED = 1;
    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(WakeSignal.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /**
     * What a worker tells its signal before sleeping.
     *
     * <p><b>Note:</b> called on the worker's own thread only, while the signal says parked; must not block.
     */
    @FunctionalInterface
    public interface Condition {

        /**
         * {@return how long the worker may sleep: 0 if work is waiting now, {@link Long#MAX_VALUE} if nothing is
         * due until a producer wakes it, otherwise nanoseconds until its next timed duty}
         */
        long parkNanos();
    }

    private final Condition condition;
    private volatile Thread owner;
    @SuppressWarnings("unused") // accessed through STATE
    private volatile int state;

    /**
     * Creates a signal for one worker.
     *
     * @param condition asked, on the worker's thread, whether and how long the worker may sleep
     */
    public WakeSignal(Condition condition) {
        this.condition = Objects.requireNonNull(condition, "condition");
    }

    /**
     * Wakes the worker if it is parked. Call it after publishing work, with a full fence between the two (see the
     * class description).
     */
    public void wake() {
        if ((int) STATE.getVolatile(this) == PARKED && STATE.compareAndSet(this, PARKED, AWAKE)) {
            LockSupport.unpark(owner);
        }
    }

    /**
     * Sleeps until {@link #wake()}, the worker's next timed duty or a spurious return, unless the condition says
     * work is waiting. Worker thread only; the caller re-checks for work afterwards either way.
     *
     * @return true if the worker slept, false if the condition said work was waiting
     */
    public boolean park() {
        Thread self = Thread.currentThread();
        if (owner != self) {
            owner = self;
        }
        STATE.setVolatile(this, PARKED);
        long nanos = condition.parkNanos();
        if (nanos <= 0) {
            STATE.setRelease(this, AWAKE);
            return false;
        }
        // the worker stops through its own flag; a pending interrupt would make every park return at once
        Thread.interrupted();
        if (nanos == Long.MAX_VALUE) {
            LockSupport.park(this);
        } else {
            LockSupport.parkNanos(this, nanos);
        }
        STATE.setRelease(this, AWAKE);
        return true;
    }

    /** {@return whether the worker has said it is parked and no waker has cleared that yet} */
    public boolean isParked() {
        return (int) STATE.getVolatile(this) == PARKED;
    }

    @Override
    public String toString() {
        Thread t = owner;
        return "WakeSignal[" + (t == null ? "no worker yet" : t.getName()) + ", " + (isParked() ? "parked" : "awake")
                + "]";
    }
}
