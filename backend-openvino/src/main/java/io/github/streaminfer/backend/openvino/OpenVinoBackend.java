package io.github.streaminfer.backend.openvino;

import io.github.streaminfer.backend.InferenceBackend;
import io.github.streaminfer.backend.LoadedModel;
import io.github.streaminfer.backend.ModelOptions;
import io.github.streaminfer.backend.ModelSource;
import io.github.streaminfer.exceptions.BackendUnavailableException;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * The OpenVINO backend, id {@code "openvino"}: IR ({@code .xml} + {@code .bin}) and ONNX models on OpenVINO's
 * {@code CPU}, {@code GPU}, {@code NPU} or {@code AUTO} devices, through OpenVINO's C API 2.0.
 *
 * <p>No OpenVINO library ships with StreamInfer. The backend loads {@code libopenvino_c} by absolute path from a
 * directory: the one given to {@link #OpenVinoBackend(Path)}, else the system property {@value #DIR_PROPERTY}, else
 * the environment variable {@value #DIR_ENV}. Point it at an OpenVINO install's {@code runtime/lib/intel64} or at the
 * {@code openvino/libs} directory of the {@code openvino} pip wheel; OpenVINO finds its device plugins and model
 * readers beside its own library. The first {@link #isAvailable()} decides, once per directory, and a missing
 * directory, a missing file, a loader error or a missing symbol make the backend unavailable with that exact cause,
 * never a crash.
 *
 * <p>Models are compiled with {@link OpenVinoOptions#from(ModelOptions)}: the device string, the {@code LATENCY}
 * performance hint by default, and optional streams, precision hint and cache directory.
 *
 * <p><b>Note:</b> thread-safe.
 *
 * @since 0.1.0
 */
public final class OpenVinoBackend implements InferenceBackend {
    /** The id this backend is found by. */
    public static final String ID = "openvino";
    /** System property naming the directory that holds {@code libopenvino_c}. */
    public static final String DIR_PROPERTY = "streaminfer.openvino.dir";
    /** Environment variable naming that directory when the system property is not set. */
    public static final String DIR_ENV = "OPENVINO_LIB_DIR";

    private final Path configured;
    private volatile OpenVinoRuntime runtime;

    /** Creates the backend for the directory in {@value #DIR_PROPERTY} or {@value #DIR_ENV}; cheap, loads nothing. */
    public OpenVinoBackend() {
        this(null);
    }

    /**
     * Creates the backend for a given directory; cheap, loads nothing until first asked.
     *
     * @param libraryDirectory the directory holding {@code libopenvino_c}, or null to read {@value #DIR_PROPERTY}
     *                         and {@value #DIR_ENV}
     */
    public OpenVinoBackend(Path libraryDirectory) {
        this.configured = libraryDirectory;
    }

    /** {@return the directory this backend loads OpenVINO from, if one is configured} */
    public Optional<Path> libraryDirectory() {
        if (configured != null) {
            return Optional.of(configured);
        }
        String dir = System.getProperty(DIR_PROPERTY);
        if (dir == null || dir.isBlank()) {
            dir = System.getenv(DIR_ENV);
        }
        return dir == null || dir.isBlank() ? Optional.empty() : Optional.of(Path.of(dir.trim()));
    }

    @Override
    public String id() {
        return ID;
    }

    @Override
    public String description() {
        OpenVinoRuntime rt = runtime();
        if (!rt.available()) {
            return "OpenVINO (unavailable: " + rt.cause().getMessage() + ")";
        }
        return "OpenVINO " + rt.version() + " (" + rt.c().file() + ")";
    }

    @Override
    public boolean isAvailable() {
        return runtime().available();
    }

    @Override
    public Throwable unavailabilityCause() {
        return runtime().cause();
    }

    /** {@return the runtime's build number, e.g. {@code 2025.4.0-20398-8b9a7d1fb20}, if it is available} */
    public Optional<String> runtimeVersion() {
        return Optional.ofNullable(runtime().version());
    }

    OpenVinoRuntime runtime() {
        OpenVinoRuntime rt = runtime;
        if (rt == null) {
            rt = OpenVinoRuntime.of(libraryDirectory().orElse(null));
            runtime = rt;
        }
        return rt;
    }

    @Override
    public LoadedModel load(ModelSource source, ModelOptions options) {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(options, "options");
        ensureAvailability();
        OpenVinoRuntime rt = runtime();
        if (!rt.available()) { // cannot happen after ensureAvailability; keeps the null analysis honest
            throw new BackendUnavailableException("backend '" + ID + "' is unavailable", rt.cause());
        }
        return OpenVinoLoader.load(rt, source, OpenVinoOptions.from(options), options);
    }

    @Override
    public String toString() {
        return "OpenVinoBackend[" + ID + ", " + libraryDirectory().map(Path::toString).orElse("no directory") + "]";
    }
}
