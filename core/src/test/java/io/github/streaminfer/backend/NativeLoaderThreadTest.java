package io.github.streaminfer.backend;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class NativeLoaderThreadTest {
    /** Frames of {@link #depth} that need far more than 256 KiB of stack and far less than 16 MiB. */
    private static final int DEEP = 50_000;

    private static int depth(int n) {
        return n == 0 ? 0 : 1 + depth(n - 1);
    }

    @Test
    void workGetsTheLoaderStackWhateverTheCallersStack() throws Exception {
        AtomicReference<Object> direct = new AtomicReference<>();
        AtomicReference<Object> onLoader = new AtomicReference<>();
        Thread small = new Thread(null, () -> {
            try {
                direct.set(depth(DEEP));
            } catch (StackOverflowError e) {
                direct.set(e);
            }
            onLoader.set(NativeLoaderThread.call("test-loader", () -> depth(DEEP)));
        }, "small-stack", 256 * 1024);
        small.start();
        small.join(60_000);
        assertThat(direct.get()).as("the work overflows the caller's own 256 KiB stack")
                .isInstanceOf(StackOverflowError.class);
        assertThat(onLoader.get()).as("the same work on the loader thread").isEqualTo(DEEP);
    }

    @Test
    void runsOnANamedThreadOfItsOwnAndReturnsTheResult() {
        String name = NativeLoaderThread.call("streaminfer-test-loader", () -> Thread.currentThread().getName());
        assertThat(name).isEqualTo("streaminfer-test-loader");
    }

    @Test
    void runtimeExceptionsAndErrorsReachTheCallerUnchanged() {
        IllegalArgumentException iae = new IllegalArgumentException("bad model");
        assertThatThrownBy(() -> NativeLoaderThread.call("l", () -> {
            throw iae;
        })).isSameAs(iae);
        UnsatisfiedLinkError ule = new UnsatisfiedLinkError("no libfoo.so");
        assertThatThrownBy(() -> NativeLoaderThread.run("l", () -> {
            throw ule;
        })).isSameAs(ule);
    }

    @Test
    void checkedExceptionsAreWrappedWithTheThreadName() {
        IOException io = new IOException("cannot read");
        assertThatThrownBy(() -> NativeLoaderThread.call("model-loader", () -> {
            throw io;
        })).isInstanceOf(IllegalStateException.class).hasMessageContaining("model-loader failed")
                .hasCause(io);
    }

    @Test
    void anInterruptedCallerStillWaitsForTheWorkAndKeepsItsInterrupt() {
        Thread.currentThread().interrupt();
        try {
            long t0 = System.nanoTime();
            String r = NativeLoaderThread.call("slow", () -> {
                Thread.sleep(50);
                return "done";
            });
            assertThat(r).isEqualTo("done");
            assertThat(System.nanoTime() - t0).as("waited for the work").isGreaterThanOrEqualTo(50_000_000L);
            assertThat(Thread.currentThread().isInterrupted()).as("interrupt flag restored").isTrue();
        } finally {
            Thread.interrupted();
        }
    }
}
