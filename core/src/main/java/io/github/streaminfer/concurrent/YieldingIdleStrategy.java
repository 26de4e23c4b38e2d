package io.github.streaminfer.concurrent;

/** Yields the core when idle. Stateless. */
final class YieldingIdleStrategy implements IdleStrategy {
    static final YieldingIdleStrategy INSTANCE = new YieldingIdleStrategy();

    private YieldingIdleStrategy() {
    }

    @Override
    public void idle(int workCount) {
        if (workCount <= 0) {
            Thread.yield();
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
        return "yielding";
    }
}
