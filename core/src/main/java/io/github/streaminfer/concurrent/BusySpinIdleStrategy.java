package io.github.streaminfer.concurrent;

/** Spins with {@link Thread#onSpinWait()}. Stateless. */
final class BusySpinIdleStrategy implements IdleStrategy {
    static final BusySpinIdleStrategy INSTANCE = new BusySpinIdleStrategy();

    private BusySpinIdleStrategy() {
    }

    @Override
    public void idle(int workCount) {
        if (workCount <= 0) {
            Thread.onSpinWait();
        }
    }

    @Override
    public void reset() {
    }

    @Override
    public IdleStrategy copy() {
        return this;
    }

    @Override
    public String toString() {
        return "busy-spin";
    }
}
