package io.github.streaminfer.action;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Push style for control loops that want callbacks: a thread owned by this object calls
 * {@link ActionController#next(long, double[], ActionCommand)} every control period (on the controller's clock)
 * and hands the command to a {@link CommandListener}. Ticks are scheduled on a fixed grid; when a tick runs late by
 * more than a period, the missed ticks are skipped and counted in {@link #overruns()}. The loop waits with
 * {@link LockSupport#parkNanos}, so its timing is as good as the OS timer (typically 50-100 us of jitter); a hard
 * real-time loop should call {@code next} from its own timer instead.
 *
 * <p><b>Note:</b> the loop's thread is the controller's single consumer while the loop runs; {@link #close()} from
 * any thread.
 *
 * @since 0.1.0
 */
public final class ControlLoop implements AutoCloseable {

    /** Supplies the robot's current pose before each tick. */
    @FunctionalInterface
    public interface PoseSource {
        /**
         * {@return true if {@code dst} was filled, false if the pose is unknown this tick}
         *
         * @param dst the pose to fill ({@code dim} values)
         */
        boolean read(double[] dst);
    }

    private final ActionController controller;
    private final CommandListener listener;
    private final PoseSource poseSource;
    private final long periodNanos;
    private final ActionCommand command;
    private final double[] pose;
    private final Thread thread;
    private final AtomicLong ticks = new AtomicLong();
    private final AtomicLong overruns = new AtomicLong();
    private final AtomicLong listenerErrors = new AtomicLong();
    private volatile boolean running = true;
    private volatile Throwable lastError;

    ControlLoop(ActionController controller, CommandListener listener, PoseSource poseSource, long periodNanos) {
        this.controller = controller;
        this.listener = listener;
        this.poseSource = poseSource;
        this.periodNanos = periodNanos;
        int dim = controller.config().dim();
        this.command = new ActionCommand(dim);
        this.pose = new double[dim];
        this.thread = new Thread(this::run, "streaminfer-control-loop");
        thread.setDaemon(true);
        thread.setPriority(Thread.MAX_PRIORITY);
        thread.start();
    }

    private void run() {
        long next = controller.clock().nanoTime();
        while (running) {
            long now = controller.clock().nanoTime();
            if (now < next) {
                LockSupport.parkNanos(next - now);
                continue;
            }
            try {
                boolean havePose = poseSource != null && poseSource.read(pose);
                controller.next(now, havePose ? pose : null, command);
                ticks.setRelease(ticks.getPlain() + 1);
                listener.onCommand(command);
            } catch (IllegalStateException closed) {
                if (controller.isClosed()) {
                    running = false;
                    break;
                }
                onError(closed);
            } catch (RuntimeException | Error e) {
                onError(e);
            }
            next += periodNanos;
            if (now - next >= periodNanos) {
                long missed = (now - next) / periodNanos;
                overruns.addAndGet(missed);
                next += missed * periodNanos;
            }
        }
    }

    private void onError(Throwable e) {
        listenerErrors.incrementAndGet();
        lastError = e;
    }

    /** {@return ticks run} */
    public long ticks() {
        return ticks.get();
    }

    /** {@return ticks skipped because the loop ran late} */
    public long overruns() {
        return overruns.get();
    }

    /** {@return exceptions thrown by the listener or pose source} */
    public long listenerErrors() {
        return listenerErrors.get();
    }

    /** {@return the last such exception, or null} */
    public Throwable lastError() {
        return lastError;
    }

    /** {@return true while the loop's thread runs} */
    public boolean isRunning() {
        return thread.isAlive();
    }

    /** Stops the loop and waits up to a second for its thread. Idempotent. */
    @Override
    public void close() {
        running = false;
        LockSupport.unpark(thread);
        if (Thread.currentThread() != thread) {
            try {
                thread.join(TimeUnit.SECONDS.toMillis(1));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
