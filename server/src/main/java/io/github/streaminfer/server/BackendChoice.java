package io.github.streaminfer.server;

import io.github.streaminfer.backend.Backends;
import io.github.streaminfer.backend.InferenceBackend;
import io.github.streaminfer.backend.LoadedModel;
import io.github.streaminfer.backend.ModelOptions;
import io.github.streaminfer.backend.ModelSource;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The backend the server runs on, chosen from {@code --backend}, and the model options it loads with.
 *
 * <ul>
 *   <li>An available backend is used as asked.</li>
 *   <li>A known backend that is unavailable here (TensorRT without an NVIDIA GPU, OpenVINO without its library)
 *       falls back to {@code onnx}: one line names the backend, its {@code unavailabilityCause()}, and that the
 *       server runs on onnx instead. With {@code --backend-strict} it fails instead, listing every backend.</li>
 *   <li>An unknown id fails with {@link Backends#require}'s message, listing every backend found.</li>
 * </ul>
 *
 * <p><b>Note:</b> immutable; {@link #choose} runs once, on the thread that loads the models.
 *
 * @param backend  the backend the models run on
 * @param options  the options models load with on it
 * @param asked    the backend id {@code --backend} named
 * @param fellBack whether {@code backend} is the fallback, not the one asked for
 */
record BackendChoice(InferenceBackend backend, ModelOptions options, String asked, boolean fellBack) {
    /** The backend an unavailable one falls back to. */
    static final String FALLBACK = "onnx";
    /** The backends the server offers on its signal endpoint besides the one it runs on. */
    static final List<String> KNOWN = List.of("onnx", "tensorrt", "openvino");
    /** The system property the OpenVINO backend reads its library directory from (backend-openvino's README). */
    static final String OPENVINO_DIR_PROPERTY = "streaminfer.openvino.dir";

    /**
     * {@return the backend {@code o} asks for, or onnx if it is unavailable and {@code o} is not strict}
     *
     * @param o      the command line
     * @param notice receives the fallback line (without a prefix)
     * @throws io.github.streaminfer.exceptions.BackendUnavailableException listing every backend if the id is
     *                                                                    unknown, or unavailable under
     *                                                                    {@code --backend-strict}
     */
    static BackendChoice choose(ServerOptions o, Consumer<String> notice) {
        if (o.openvinoDir != null) {
            System.setProperty(OPENVINO_DIR_PROPERTY, o.openvinoDir);
        }
        InferenceBackend b;
        boolean[] fell = new boolean[1];
        if (o.backendStrict) {
            b = Backends.require(o.backend);
        } else {
            b = Backends.requireOrFallback(o.backend, FALLBACK, line -> {
                fell[0] = true;
                notice.accept(line + (o.device != null || o.precision != null
                        ? " with its defaults (cpu, fp32; --device and --precision are for '" + o.backend + "')"
                        : "") + "; --backend-strict fails instead");
            });
        }
        return new BackendChoice(b, fell[0] ? ModelOptions.DEFAULT : options(b.id(), o), o.backend, fell[0]);
    }

    /**
     * {@return the model options for backend {@code id}}: {@code --device} and {@code --precision} where given;
     * TensorRT, which refuses {@code cpu}, gets {@code cuda:0} by default.
     *
     * @param id the backend's id
     * @param o  the command line
     */
    static ModelOptions options(String id, ServerOptions o) {
        return options(id, o.device, o.precision);
    }

    private static ModelOptions options(String id, String device, String precision) {
        ModelOptions.Builder b = ModelOptions.DEFAULT.toBuilder();
        if (device != null) {
            b.device(device);
        } else if (id.equalsIgnoreCase("tensorrt")) {
            b.device("cuda:0");
        }
        if (precision != null) {
            b.precision(precision);
        }
        return b.build();
    }

    /**
     * The signal classifier on every known backend other than the chosen one: loaded where the backend is
     * available, otherwise (or if loading fails) the reason.
     *
     * @param loaded      by backend id, the models loaded (the caller closes them)
     * @param unavailable by backend id, why it cannot serve here
     */
    record Others(Map<String, LoadedModel> loaded, Map<String, String> unavailable) {
        /**
         * {@return the model {@code bytes} loaded on every known backend but {@code chosen}}
         *
         * @param chosen the backend the server runs on
         * @param name   the model's name
         * @param bytes  the ONNX model
         */
        static Others load(BackendChoice chosen, String name, byte[] bytes) {
            Map<String, LoadedModel> loaded = new LinkedHashMap<>();
            Map<String, String> unavailable = new LinkedHashMap<>();
            for (InferenceBackend b : Backends.all()) {
                String id = b.id();
                if (!KNOWN.contains(id) || id.equalsIgnoreCase(chosen.backend().id()) || loaded.containsKey(id)
                        || unavailable.containsKey(id)) {
                    continue;
                }
                if (!b.isAvailable()) {
                    Throwable cause = b.unavailabilityCause();
                    unavailable.put(id, cause == null ? "no cause given" : String.valueOf(cause.getMessage()));
                    continue;
                }
                // --device and --precision are for the backend asked for: the others run with their defaults
                try {
                    loaded.put(id, b.load(ModelSource.ofBytes(name, bytes), options(id, null, null)));
                } catch (RuntimeException e) {
                    unavailable.put(id, "loading " + name + " failed: " + e.getMessage());
                }
            }
            return new Others(loaded, unavailable);
        }
    }
}
