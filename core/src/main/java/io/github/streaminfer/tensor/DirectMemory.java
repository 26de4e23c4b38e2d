package io.github.streaminfer.tensor;

import java.lang.reflect.Field;
import java.nio.ByteBuffer;

/** Frees direct buffers deterministically where the JDK allows it, and otherwise leaves them to the GC. */
final class DirectMemory {
    private static final sun.misc.Unsafe UNSAFE = findUnsafe();

    private DirectMemory() {
    }

    private static sun.misc.Unsafe findUnsafe() {
        try {
            Field f = sun.misc.Unsafe.class.getDeclaredField("theUnsafe");
            f.setAccessible(true);
            return (sun.misc.Unsafe) f.get(null);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }

    static void free(ByteBuffer buffer) {
        if (UNSAFE != null && buffer.isDirect()) {
            try {
                UNSAFE.invokeCleaner(buffer);
            } catch (IllegalArgumentException e) {
                // a slice or duplicate: its memory is owned elsewhere and freed with that owner
            }
        }
    }
}
