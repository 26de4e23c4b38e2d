package io.github.streaminfer.concurrent;

import java.util.concurrent.locks.LockSupport;

/**
 * Optionally spins for a short time, then sleeps on the worker's {@link WakeSignal} until a producer wakes it or its
 * next timed duty is due. Any work resets the spin.
 */
final class ParkingIdleStrategy implements IdleStrategy {
    /** Longest spin accepted: beyond a millisecond a spinning worker is a busy-spinning one. */
    static final long MAX_SPIN_NANOS = 1_000_000;
    /** How long {@link #idle(int)} parks when no signal can wake it. */
    private static final long UNSIGNALLED_PARK_NANOS = 100_000;

    private final long spinNanos;
    private boolean spinning;
    private long spinStart;

    ParkingIdleStrategy(long spinNanos) {
        if (spinNanos < 0 || spinNanos > MAX_SPIN_NANOS) {
            throw new IllegalArgumentException("spinNanos is " + spinNanos + "; allowed: 0 to " + MAX_SPIN_NANOS);
        }
        this.spinNanos = spinNanos;
    }

    @Override
    public void idle(int workCount) {
        if (!keepSpinning(workCount)) {
            LockSupport.parkNanos(UNSIGNALLED_PARK_NANOS);
        }
    }

    @Override
    public void idle(int workCount, WakeSignal signal) {
        if (!keepSpinning(workCount)) {
            signal.park();
        }
    }

    /** {@return true if this cycle spins (or found work), false if the worker should sleep now} */
    private boolean keepSpinning(int workCount) {
        if (workCount > 0) {
            spinning = false;
            return true;
        }
        if (spinNanos == 0) {
            return false;
        }
        long now = System.nanoTime();
        if (!spinning) {
            spinning = true;
            spinStart = now;
        } else if (now - spinStart >= spinNanos) {
            spinning = false;
            return false;
        }
        Thread.onSpinWait();
        return true;
    }

    @Override
    public void reset() {
        spinning = false;
    }

    @Override
    public IdleStrategy copy() {
        return new ParkingIdleStrategy(spinNanos);
    }

    @Override
    public String toString() {
        return "parking(spin=" + spinNanos + "ns)";
    }
}
