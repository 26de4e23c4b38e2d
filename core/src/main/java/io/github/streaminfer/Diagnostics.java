package io.github.streaminfer;

import io.github.streaminfer.backend.Backends;
import io.github.streaminfer.backend.InferenceBackend;
import io.github.streaminfer.image.ImageDecoder;
import io.github.streaminfer.image.ImageDecoders;

import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * The {@code doctor}: prints what a problem report needs, from the application's own class path. Run it with
 * {@code java -cp <class path> io.github.streaminfer.Diagnostics} (or call {@link #report()}):
 *
 * <ul>
 *   <li>the StreamInfer version, and the backends found, each available or with the reason it is not;</li>
 *   <li>the image decoders found and the one {@link ImageDecoders#best()} picks;</li>
 *   <li>the native libraries loaded into the process after the backends were probed (Linux);</li>
 *   <li>CPU features that inference runtimes use (Linux), the JVM, its heap and garbage collectors.</li>
 * </ul>
 *
 * <p><b>Note:</b> thread-safe and stateless; probing backends may load their native libraries, so call it at start-up
 * or from the command line, never on a hot path.
 *
 * @since 0.1.0
 */
public final class Diagnostics {
    /** CPU flags worth reporting: the vector extensions inference kernels dispatch on. */
    private static final List<String> CPU_FLAGS = List.of("sse4_2", "avx", "avx2", "fma", "f16c", "avx512f",
            "avx512bw", "avx512vl", "avx512_vnni", "avx512_bf16", "avx512_fp16", "avx_vnni", "amx_tile", "amx_int8",
            "amx_bf16", "asimd", "asimddp", "sve", "sve2");

    private Diagnostics() {
    }

    /**
     * Prints {@link #report()} to standard output.
     *
     * @param args ignored, but {@code doctor} is accepted for symmetry with the command-line tools
     */
    public static void main(String[] args) {
        System.out.println(report());
    }

    /** {@return the diagnostic report, several lines of plain text} */
    public static String report() {
        StringBuilder sb = new StringBuilder();
        Package p = Diagnostics.class.getPackage();
        String version = p == null ? null : p.getImplementationVersion();
        sb.append("StreamInfer ").append(version == null ? "(version unknown: not run from a jar)" : version)
                .append('\n');

        List<InferenceBackend> backends = Backends.all();
        sb.append(Backends.describe(backends)).append('\n');

        sb.append("image decoders found:");
        for (ImageDecoder d : ImageDecoders.all()) {
            sb.append("\n  ").append(d.id()).append(" (priority ").append(d.priority()).append("): ");
            sb.append(available(d) ? "available" : "unavailable: " + causeOf(d));
        }
        try (ImageDecoder best = ImageDecoders.best()) {
            sb.append("\nimage decoder in use: ").append(best.id()).append('\n');
        }

        sb.append("native libraries loaded:");
        List<String> libs = nativeLibraries();
        if (libs.isEmpty()) {
            sb.append(" none found (or not readable on this OS)");
        }
        for (String lib : libs) {
            sb.append("\n  ").append(lib);
        }
        sb.append('\n');

        sb.append("CPU: ").append(System.getProperty("os.arch")).append(", ")
                .append(Runtime.getRuntime().availableProcessors()).append(" processors available; features: ")
                .append(cpuFeatures()).append('\n');
        sb.append("OS: ").append(System.getProperty("os.name")).append(' ').append(System.getProperty("os.version"))
                .append('\n');
        sb.append("JVM: ").append(System.getProperty("java.vm.name")).append(' ')
                .append(System.getProperty("java.runtime.version", System.getProperty("java.version"))).append(" (")
                .append(System.getProperty("java.vendor")).append("), max heap ")
                .append(Runtime.getRuntime().maxMemory() >> 20).append(" MiB\n");
        sb.append("GC:");
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            sb.append(' ').append(gc.getName()).append(';');
        }
        sb.setLength(sb.length() - (sb.charAt(sb.length() - 1) == ';' ? 1 : 0));
        sb.append("\nJVM arguments: ").append(ManagementFactory.getRuntimeMXBean().getInputArguments());
        return sb.toString();
    }

    private static boolean available(ImageDecoder d) {
        try {
            return d.isAvailable();
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
    }

    private static String causeOf(ImageDecoder d) {
        Throwable c = d.unavailabilityCause();
        return c == null ? "no cause given" : String.valueOf(c.getMessage());
    }

    /** The shared objects mapped into this process, outside the JDK and the system library directories. */
    static List<String> nativeLibraries() {
        Path maps = Path.of("/proc/self/maps");
        if (!Files.isReadable(maps)) {
            return List.of();
        }
        Set<String> found = new TreeSet<>();
        String javaHome = System.getProperty("java.home");
        try {
            for (String line : Files.readAllLines(maps)) {
                int slash = line.indexOf('/');
                if (slash < 0) {
                    continue;
                }
                String path = line.substring(slash).trim();
                String file = path.substring(path.lastIndexOf('/') + 1);
                if (!file.contains(".so") || path.startsWith(javaHome) || isSystemLibrary(path)) {
                    continue;
                }
                found.add(path);
            }
        } catch (IOException e) {
            return List.of("(could not read " + maps + ": " + e.getMessage() + ")");
        }
        return new ArrayList<>(found);
    }

    private static boolean isSystemLibrary(String path) {
        return path.startsWith("/lib/") || path.startsWith("/lib64/") || path.startsWith("/usr/lib/")
                || path.startsWith("/usr/lib64/");
    }

    /** The reportable CPU flags of the first processor in {@code /proc/cpuinfo}, or why there are none. */
    static String cpuFeatures() {
        Path cpuinfo = Path.of("/proc/cpuinfo");
        if (!Files.isReadable(cpuinfo)) {
            return "unknown (no /proc/cpuinfo on this OS)";
        }
        try {
            for (String line : Files.readAllLines(cpuinfo)) {
                String lower = line.toLowerCase(Locale.ROOT);
                if (lower.startsWith("flags") || lower.startsWith("features")) {
                    Set<String> flags = Set.of(lower.substring(lower.indexOf(':') + 1).trim().split("\\s+"));
                    List<String> present = new ArrayList<>();
                    for (String f : CPU_FLAGS) {
                        if (flags.contains(f)) {
                            present.add(f);
                        }
                    }
                    return present.isEmpty() ? "none of " + CPU_FLAGS : String.join(" ", present);
                }
            }
        } catch (IOException e) {
            return "unknown (" + e.getMessage() + ")";
        }
        return "unknown (no flags line in /proc/cpuinfo)";
    }
}
