package io.github.streaminfer.tensor;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Field;
import java.nio.ByteBuffer;

/**
 * Frees direct buffers deterministically where the JDK allows it, and otherwise leaves them to the GC.
 *
 * <p>{@code sun.misc.Unsafe.invokeCleaner} (module {@code jdk.unsupported}) is looked up reflectively, so the library
 * compiles without javac's unsuppressible "internal proprietary API" warning.
 */
final class DirectMemory {
    /** {@code unsafe.invokeCleaner(ByteBuffer)} bound to the Unsafe instance, or null where it is unavailable. */
    private static final MethodHandle INVOKE_CLEANER = findInvokeCleaner();

    private DirectMemory() {
    }

    private static MethodHandle findInvokeCleaner() {
        try {
            Class<?> unsafeClass = Class.forName("sun.misc.Unsafe");
            Field f = unsafeClass.getDeclaredField("theUnsafe");
            f.setAccessible(true);
            Object unsafe = f.get(null);
            return MethodHandles.lookup()
                    .findVirtual(unsafeClass, "invokeCleaner", MethodType.methodType(void.class, ByteBuffer.class))
                    .bindTo(unsafe);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }

    static void free(ByteBuffer buffer) {
        if (INVOKE_CLEANER != null && buffer.isDirect()) {
            try {
                INVOKE_CLEANER.invokeExact(buffer);
            } catch (IllegalArgumentException e) {
                // a slice or duplicate: its memory is owned elsewhere and freed with that owner
            } catch (Throwable e) {
                throw new IllegalStateException("freeing a direct buffer failed", e);
            }
        }
    }
}
