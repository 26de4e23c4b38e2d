package io.github.streaminfer.backend.openvino;

import io.github.streaminfer.backend.openvino.capi.ElementTypes;
import io.github.streaminfer.backend.openvino.capi.LibraryFiles;
import io.github.streaminfer.backend.openvino.capi.OpenVinoC;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * The outcome of looking for OpenVINO in one directory: a loaded binding with its version, or the exact reason it
 * cannot be used. Decided once per directory and cached for the life of the JVM (a native library cannot be
 * unloaded safely anyway).
 *
 * <p><b>Note:</b> immutable and thread-safe.
 *
 * @param directory    the directory searched, null when none was configured
 * @param c            the binding, null when unavailable
 * @param version      the runtime's build number, null when unavailable
 * @param elementTypes the element-type numbering of that version, null when unavailable
 * @param cause        why OpenVINO cannot be used, null when available
 */
record OpenVinoRuntime(Path directory, OpenVinoC c, String version, ElementTypes elementTypes, Throwable cause) {
    private static final Map<Path, OpenVinoRuntime> BY_DIRECTORY = new ConcurrentHashMap<>();

    /**
     * Finds, loads and checks the library in a directory, once per directory.
     *
     * @param directory the directory, or null when none was configured
     * @return the runtime or the reason it is unavailable
     */
    static OpenVinoRuntime of(Path directory) {
        if (directory == null) {
            return new OpenVinoRuntime(null, null, null, null, new IllegalStateException(
                    "no OpenVINO library directory configured: set the system property "
                            + OpenVinoBackend.DIR_PROPERTY + " or the environment variable " + OpenVinoBackend.DIR_ENV
                            + " to the directory holding libopenvino_c (an OpenVINO install's runtime/lib/intel64, "
                            + "or site-packages/openvino/libs of the openvino pip wheel)"));
        }
        return BY_DIRECTORY.computeIfAbsent(directory.toAbsolutePath().normalize(), OpenVinoRuntime::probe);
    }

    private static OpenVinoRuntime probe(Path dir) {
        Path file = null;
        try {
            if (!Files.isDirectory(dir)) {
                return unavailable(dir, new IllegalStateException("OpenVINO library directory " + dir
                        + (Files.exists(dir) ? " is not a directory" : " does not exist")));
            }
            Optional<Path> found = LibraryFiles.find(dir);
            if (found.isEmpty()) {
                return unavailable(dir, new IllegalStateException("no " + System.mapLibraryName(OpenVinoC.LIBRARY_NAME)
                        + " (or versioned " + System.mapLibraryName(OpenVinoC.LIBRARY_NAME) + ".NNNN) in " + dir
                        + "; OpenVINO files there: " + openVinoFiles(dir)));
            }
            file = found.get();
            OpenVinoC c = OpenVinoC.load(file);
            String version = c.version();
            return new OpenVinoRuntime(dir, c, version, ElementTypes.forVersion(version), null);
        } catch (Throwable t) { // UnsatisfiedLinkError, NoClassDefFoundError (JNA), OvException, IOException, ...
            String what = file == null ? "OpenVINO in " + dir : file.toString();
            return unavailable(dir, new IllegalStateException("cannot load " + what + ": " + chain(t), t));
        }
    }

    private static OpenVinoRuntime unavailable(Path dir, Throwable cause) {
        return new OpenVinoRuntime(dir, null, null, null, cause);
    }

    private static String openVinoFiles(Path dir) throws IOException {
        try (var files = Files.list(dir)) {
            List<String> names = files.map(p -> p.getFileName().toString())
                    .filter(n -> n.toLowerCase(java.util.Locale.ROOT).contains("openvino")).sorted().limit(8)
                    .collect(Collectors.toList());
            return names.isEmpty() ? "none" : String.join(", ", names);
        }
    }

    /** {@return the throwable and its causes, outermost first} */
    static String chain(Throwable t) {
        StringBuilder sb = new StringBuilder();
        java.util.Set<Throwable> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        for (Throwable c = t; c != null && seen.add(c); c = c.getCause()) {
            if (sb.length() > 0) {
                sb.append(" <- ");
            }
            sb.append(c instanceof UnsatisfiedLinkError ? loaderText(c.getMessage())
                    : c instanceof IllegalStateException ? c.getMessage() : c.toString());
        }
        return sb.toString();
    }

    /**
     * Shortens JNA's loader message to the loader's own text: JNA repeats the {@code dlopen} error and appends every
     * class-path entry it searched for a bundled copy, which says nothing about an absolute path.
     */
    static String loaderText(String message) {
        if (message == null) {
            return "no message";
        }
        java.util.LinkedHashSet<String> lines = new java.util.LinkedHashSet<>();
        for (String line : message.split("\\R")) {
            String l = line.strip();
            if (!l.isEmpty() && !l.startsWith("Native library (")) {
                lines.add(l);
            }
        }
        return String.join(" ", lines);
    }

    /** {@return true if the library loaded and answered} */
    boolean available() {
        return c != null;
    }
}
