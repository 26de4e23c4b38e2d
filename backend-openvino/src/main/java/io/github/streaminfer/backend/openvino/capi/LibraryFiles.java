package io.github.streaminfer.backend.openvino.capi;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Finds {@code libopenvino_c} in a directory.
 *
 * <p>An OpenVINO archive's {@code runtime/lib/intel64} holds {@code libopenvino_c.so}, a link to
 * {@code libopenvino_c.so.2540} (the soversion: 2025.4.0 gives {@code 2540}), a link to
 * {@code libopenvino_c.so.2025.4.0}. The {@code openvino} pip wheel's {@code openvino/libs} holds only the
 * soversion file ({@code libopenvino_c.so.2540}). The plain name is taken when it exists, else the soversion file with
 * the highest number. Windows ({@code openvino_c.dll}) and macOS ({@code libopenvino_c.dylib}, or
 * {@code libopenvino_c.2540.dylib}) are matched the same way.
 */
public final class LibraryFiles {
    private LibraryFiles() {
    }

    /**
     * Looks for the library in a directory.
     *
     * @param dir the directory
     * @return the file to load, if the directory has one
     * @throws IOException if the directory cannot be listed
     */
    public static Optional<Path> find(Path dir) throws IOException {
        Path plain = dir.resolve(System.mapLibraryName(OpenVinoC.LIBRARY_NAME));
        if (Files.isRegularFile(plain)) {
            return Optional.of(plain);
        }
        Path best = null;
        long bestVersion = -1;
        for (Path p : candidates(dir)) {
            long v = soVersion(p.getFileName().toString());
            if (v > bestVersion) {
                best = p;
                bestVersion = v;
            }
        }
        return Optional.ofNullable(best);
    }

    /**
     * Lists the versioned library files in a directory, for messages and for {@link #find}.
     *
     * @param dir the directory
     * @return files named {@code libopenvino_c.so.N…} or {@code libopenvino_c.N….dylib}
     * @throws IOException if the directory cannot be listed
     */
    public static List<Path> candidates(Path dir) throws IOException {
        List<Path> found = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "libopenvino_c.*")) {
            for (Path p : files) {
                if (Files.isRegularFile(p) && soVersion(p.getFileName().toString()) >= 0) {
                    found.add(p);
                }
            }
        }
        found.sort(null);
        return found;
    }

    /**
     * Reads the version number in a library file name.
     *
     * @param fileName e.g. {@code libopenvino_c.so.2540} or {@code libopenvino_c.2540.dylib}
     * @return the first number after the base name ({@code 2540}), or -1 if the name has none
     */
    static long soVersion(String fileName) {
        String rest;
        if (fileName.startsWith("libopenvino_c.so.")) {
            rest = fileName.substring("libopenvino_c.so.".length());
        } else if (fileName.startsWith("libopenvino_c.") && fileName.endsWith(".dylib")) {
            rest = fileName.substring("libopenvino_c.".length(), fileName.length() - ".dylib".length());
        } else {
            return -1;
        }
        int end = 0;
        while (end < rest.length() && Character.isDigit(rest.charAt(end))) {
            end++;
        }
        if (end == 0 || end > 18) {
            return -1;
        }
        return Long.parseLong(rest.substring(0, end));
    }
}
