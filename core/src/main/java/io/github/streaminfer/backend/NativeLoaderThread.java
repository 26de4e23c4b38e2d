package io.github.streaminfer.backend;

import java.util.Objects;
import java.util.concurrent.Callable;

/**
 * Runs native start-up work (loading a JNI library, creating a native inference session, a native library's static
 * initialisation) on a short-lived thread with a stack of {@link #STACK_SIZE} bytes, and hands back its result.
 *
 * <p>Native runtimes may need far more stack than the JVM gives the calling thread: ONNX Runtime's graph
 * optimisers recurse, and a caller that runs with {@code -Xss768k}, or whose stack is already deep (a server's
 * main thread after logging and class loading), can overflow it in native code, where the JVM's guard pages
 * cannot turn the overflow into a {@link StackOverflowError} and the process dies with SIGSEGV. Work run here
 * gets the same generous stack whatever the caller's.
 *
 * <p><b>Note:</b> thread-safe; each call blocks its caller until the work is done and uses a thread of its own.
 *
 * @since 0.1.0
 */
public final class NativeLoaderThread {
    /** Stack size of the loader thread: 16 MiB, far above what native session creation has been seen to use. */
    public static final long STACK_SIZE = 16L << 20;

    private NativeLoaderThread() {
    }

    /**
     * Runs {@code work} on a fresh thread named {@code name} with a {@link #STACK_SIZE} stack and returns its
     * result. Runtime exceptions and errors thrown by the work are rethrown here as they are; a checked exception
     * is wrapped in an {@link IllegalStateException}.
     *
     * @param name thread name, e.g. {@code "streaminfer-onnx-loader"}
     * @param work what to run
     * @param <T>  result type
     * @return what {@code work} returned
     */
    public static <T> T call(String name, Callable<T> work) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(work, "work");
        Object[] result = new Object[1];
        Throwable[] failure = new Throwable[1];
        Thread t = new Thread(null, () -> {
            try {
                result[0] = work.call();
            } catch (Throwable e) { // handed to the caller below
                failure[0] = e;
            }
        }, name, STACK_SIZE);
        t.setDaemon(true);
        t.start();
        boolean interrupted = false;
        while (true) {
            try {
                t.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true; // the work cannot be abandoned half-done; keep waiting, restore the flag after
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        Throwable e = failure[0];
        if (e instanceof RuntimeException re) {
            throw re;
        }
        if (e instanceof Error err) {
            throw err;
        }
        if (e != null) {
            throw new IllegalStateException(name + " failed: " + e, e);
        }
        @SuppressWarnings("unchecked")
        T r = (T) result[0];
        return r;
    }

    /**
     * Runs {@code work} like {@link #call(String, Callable)}, for work without a result.
     *
     * @param name thread name
     * @param work what to run
     */
    public static void run(String name, Runnable work) {
        Objects.requireNonNull(work, "work");
        call(name, () -> {
            work.run();
            return null;
        });
    }
}
