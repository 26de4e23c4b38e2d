package io.github.streaminfer.backend;

import io.github.streaminfer.exceptions.BackendUnavailableException;
import io.github.streaminfer.exceptions.ModelLoadException;

/**
 * A pluggable inference runtime (ONNX Runtime, TensorRT, OpenVINO, …), found with {@link java.util.ServiceLoader}.
 * Implementations are registered with {@code provides io.github.streaminfer.backend.InferenceBackend with …} in
 * their {@code module-info.java} and in {@code META-INF/services} for class-path users.
 *
 * <p>Availability is a question, never a crash: a backend whose native library cannot be loaded on this machine
 * answers {@link #isAvailable()} with {@code false} and says exactly why in {@link #unavailabilityCause()}.
 * Construction must be cheap and must not load native code; the check happens lazily on the first call.
 *
 * <p><b>Note:</b> implementations are thread-safe.
 *
 * @since 0.1.0
 */
public interface InferenceBackend {

    /** {@return short identifier used to choose the backend, e.g. {@code "onnx"}} */
    String id();

    /** {@return one line describing the runtime and its version} */
    default String description() {
        return id();
    }

    /** {@return true if models can be loaded on this machine} */
    boolean isAvailable();

    /** {@return why the backend is unavailable, or {@code null} if it is available} */
    Throwable unavailabilityCause();

    /**
     * Throws unless models can be loaded on this machine.
     *
     * @throws BackendUnavailableException carrying {@link #unavailabilityCause()} if the backend is unavailable
     */
    default void ensureAvailability() {
        if (!isAvailable()) {
            Throwable cause = unavailabilityCause();
            throw new BackendUnavailableException("backend '" + id() + "' is unavailable: "
                    + (cause == null ? "no cause given" : cause.getMessage()), cause);
        }
    }

    /**
     * Loads a model.
     *
     * @param source  where the model bytes come from
     * @param options device, precision, threads and backend-specific settings
     * @return the loaded model, owned by the caller
     * @throws BackendUnavailableException if the backend is unavailable
     * @throws ModelLoadException          if the model cannot be read, parsed or compiled; the message names the
     *                                     model and the problem
     */
    LoadedModel load(ModelSource source, ModelOptions options);
}
