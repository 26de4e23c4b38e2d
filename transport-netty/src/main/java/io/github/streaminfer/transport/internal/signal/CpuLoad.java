package io.github.streaminfer.transport.internal.signal;

import java.lang.management.ManagementFactory;

/**
 * The process's recent CPU use in percent of all cores, sampled at most every 250 ms (the EMG seed's
 * {@code cpu_percent}).
 *
 * <p><b>Note:</b> thread-safe.
 */
final class CpuLoad {
    private static final com.sun.management.OperatingSystemMXBean OS = bean();
    private static volatile double percent = -1;
    private static volatile long sampledAt = System.nanoTime() - 1_000_000_000L;

    private CpuLoad() {
    }

    private static com.sun.management.OperatingSystemMXBean bean() {
        java.lang.management.OperatingSystemMXBean b = ManagementFactory.getOperatingSystemMXBean();
        return b instanceof com.sun.management.OperatingSystemMXBean s ? s : null;
    }

    /** @return percent in [0, 100], or -1 if the platform does not tell */
    static double percent() {
        long now = System.nanoTime();
        if (OS != null && now - sampledAt > 250_000_000L) {
            sampledAt = now;
            double l = OS.getProcessCpuLoad();
            percent = l < 0 ? -1 : Math.round(l * 1000.0) / 10.0;
        }
        return percent;
    }
}
