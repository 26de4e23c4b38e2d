package io.github.streaminfer.backend;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * Lets a {@link LoadedModel} free its native resources only once no {@link LoadedModel#run run} is using them:
 * every run is bracketed by {@link #enter()} and {@link #exit()}, and {@link #closeAndAwait(Duration)} refuses new
 * runs, then waits for the ones in progress.
 *
 * <pre>{@code
 * public void run(Tensor[] in, Tensor[] out) {
 *     guard.enter();              // IllegalStateException once closed
 *     try {
 *         ...                     // native call
 *     } finally {
 *         guard.exit();
 *     }
 * }
 *
 * public void close() {
 *     if (guard.closeAndAwait(Duration.ofSeconds(30))) {
 *         ...                     // free native resources
 *     }
 * }
 * }</pre>
 *
 * <p><b>Note:</b> thread-safe; {@link #enter()} and {@link #exit()} are two atomic operations and a volatile read,
 * no lock and no allocation.
 *
 * @since 0.1.0
 */
public final class RunGuard {
    private final String what;
    private final AtomicInteger active = new AtomicInteger();
    private final AtomicBoolean closing = new AtomicBoolean();
    private volatile boolean closed;

    /**
     * Creates an open guard.
     *
     * @param what how the model is named in the exception a run after close gets, e.g. {@code "ONNX model m"}
     */
    public RunGuard(String what) {
        this.what = what;
    }

    /**
     * Counts a run in.
     *
     * @throws IllegalStateException if the model is closed (the run is not counted)
     */
    public void enter() {
        active.incrementAndGet();
        if (closed) {
            active.decrementAndGet();
            throw new IllegalStateException(what + " is closed");
        }
    }

    /** Counts a run out; call once for each {@link #enter()} that returned. */
    public void exit() {
        active.decrementAndGet();
    }

    /** {@return whether {@link #closeAndAwait(Duration)} was called} */
    public boolean isClosed() {
        return closed;
    }

    /**
     * Refuses new runs, then waits until the runs in progress have finished.
     *
     * @param timeout how long to wait for them
     * @return true if the caller is the first to close and no run is in progress, so it may free the native
     *         resources; false if the guard was closed before, or runs were still in progress after
     *         {@code timeout} (the resources must then be left allocated)
     */
    public boolean closeAndAwait(Duration timeout) {
        if (!closing.compareAndSet(false, true)) {
            return false;
        }
        closed = true;
        long deadline = System.nanoTime() + timeout.toNanos();
        while (active.get() != 0) {
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            LockSupport.parkNanos(100_000);
        }
        return true;
    }

    /** {@return runs in progress} */
    public int active() {
        return active.get();
    }
}
