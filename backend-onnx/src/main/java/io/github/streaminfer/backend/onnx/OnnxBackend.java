package io.github.streaminfer.backend.onnx;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import io.github.streaminfer.backend.InferenceBackend;
import io.github.streaminfer.backend.LoadedModel;
import io.github.streaminfer.backend.ModelOptions;
import io.github.streaminfer.backend.ModelSource;
import io.github.streaminfer.backend.NativeLoaderThread;
import io.github.streaminfer.exceptions.BackendUnavailableException;
import io.github.streaminfer.exceptions.ModelLoadException;
import io.github.streaminfer.tensor.DType;
import io.github.streaminfer.tensor.TensorSpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The ONNX Runtime backend, id {@code "onnx"}: the embedded default.
 *
 * <p>Loading native code is deferred to the first {@link #isAvailable()} / {@link #load} call; a missing or
 * broken native library makes {@link #isAvailable()} false with the exact cause (for example the
 * {@link UnsatisfiedLinkError}), never a crash.
 *
 * <p>Sessions are created with real-time defaults from {@link ModelOptions}: intra-op threads as given (1 by
 * default), sequential execution when one inter-op thread is asked for, all graph optimisations, and no thread
 * spinning unless {@link ModelOptions#allowSpinning()}. Execution providers come from
 * {@link ModelOptions#providers()} as an ordered fallback list ({@code tensorrt}, {@code cuda}, {@code openvino},
 * {@code cpu}); see {@link OnnxProviders} for the keys each one understands.
 *
 * <p>The native library is loaded, and every session created, on a {@link NativeLoaderThread} with a large stack
 * of its own: graph optimisation at session creation recurses deeply in native code, and on a caller with a small
 * or already deep stack ({@code -Xss768k}, a busy main thread) it would overflow the stack and crash the JVM.
 *
 * <p><b>Note:</b> thread-safe.
 *
 * @since 0.1.0
 */
public final class OnnxBackend implements InferenceBackend {
    /** The id this backend is found by. */
    public static final String ID = "onnx";

    private static final Logger LOG = LoggerFactory.getLogger(OnnxBackend.class);
    private static final Object LOCK = new Object();
    private static final String LOADER = "streaminfer-onnx-loader";
    private static volatile boolean checked;
    private static volatile OrtEnvironment environment;
    private static volatile Throwable cause;

    /** Creates the backend; cheap, loads no native code. */
    public OnnxBackend() {
        // ServiceLoader constructor
    }

    @Override
    public String id() {
        return ID;
    }

    @Override
    public String description() {
        if (!isAvailable()) {
            return "ONNX Runtime (unavailable: " + cause.getMessage() + ")";
        }
        return "ONNX Runtime " + environment.getVersion() + ", providers " + OrtEnvironment.getAvailableProviders();
    }

    @Override
    public boolean isAvailable() {
        check();
        return environment != null;
    }

    @Override
    public Throwable unavailabilityCause() {
        check();
        return cause;
    }

    /**
     * {@return the shared ONNX Runtime environment}
     *
     * @throws BackendUnavailableException if the native library cannot be loaded
     */
    public static OrtEnvironment environment() {
        check();
        if (environment == null) {
            throw new BackendUnavailableException("backend '" + ID + "' is unavailable: " + cause.getMessage(), cause);
        }
        return environment;
    }

    private static void check() {
        if (checked) {
            return;
        }
        synchronized (LOCK) {
            if (checked) {
                return;
            }
            try {
                environment = NativeLoaderThread.call(LOADER, OrtEnvironment::getEnvironment);
                cause = null;
            } catch (Throwable t) { // UnsatisfiedLinkError, ExceptionInInitializerError, NoClassDefFoundError, ...
                environment = null;
                cause = new IllegalStateException("ONNX Runtime native library cannot be loaded: " + chain(t), t);
            }
            checked = true;
        }
    }

    /** {@return the throwable and its causes, outermost first, e.g. "ExceptionInInitializerError <- IOException: …"} */
    static String chain(Throwable t) {
        StringBuilder sb = new StringBuilder();
        java.util.Set<Throwable> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        for (Throwable c = t; c != null && seen.add(c); c = c.getCause()) {
            if (sb.length() > 0) {
                sb.append(" <- ");
            }
            sb.append(c);
        }
        return sb.toString();
    }

    /**
     * {@inheritDoc}
     *
     * <p>The session is created on a {@link NativeLoaderThread}; the calling thread waits for it.
     */
    @Override
    public LoadedModel load(ModelSource source, ModelOptions options) {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(options, "options");
        ensureAvailability();
        return NativeLoaderThread.call(LOADER, () -> createModel(source, options));
    }

    private static LoadedModel createModel(ModelSource source, ModelOptions options) {
        OrtEnvironment env = environment;
        List<String> providers = OnnxProviders.resolve(options);
        byte[] bytes = null;
        Path file = source.path().orElse(null);
        if (file != null) {
            if (!Files.isRegularFile(file)) {
                throw new ModelLoadException("cannot load ONNX model " + source.name() + ": no such file");
            }
        } else {
            bytes = source.readAllBytes();
            if (bytes.length == 0) {
                throw new ModelLoadException("cannot load ONNX model " + source.name() + ": it is empty (0 bytes)");
            }
        }
        StringBuilder failures = new StringBuilder();
        for (String provider : providers) {
            OrtSession session = null;
            try (OrtSession.SessionOptions so = OnnxProviders.sessionOptions(options, provider)) {
                session = file != null ? env.createSession(file.toString(), so) : env.createSession(bytes, so);
                List<TensorSpec> in = specs(source, "input", session.getInputInfo());
                List<TensorSpec> out = specs(source, "output", session.getOutputInfo());
                if (failures.length() > 0) {
                    LOG.warn("ONNX model {}: provider {} chosen after failures:{}", source.name(), provider, failures);
                } else {
                    LOG.info("ONNX model {}: running on provider {}", source.name(), provider);
                }
                return new OnnxModel(env, session, source.name(), provider, in, out);
            } catch (OrtException | RuntimeException | LinkageError e) {
                closeQuietly(session);
                if (e instanceof ModelLoadException || e instanceof IllegalArgumentException) {
                    throw (RuntimeException) e;
                }
                String reason = e instanceof OrtException oe ? oe.getMessage() : e.toString();
                failures.append("\n  ").append(provider).append(": ").append(reason);
                if (providers.size() > 1) {
                    LOG.warn("ONNX model {}: provider {} failed: {}", source.name(), provider, reason);
                }
            }
        }
        if (providers.size() == 1) {
            throw new ModelLoadException("cannot load ONNX model " + source.name() + " on provider " + providers.get(0)
                    + ": " + failures.substring(failures.indexOf(": ") + 2));
        }
        throw new ModelLoadException("cannot load ONNX model " + source.name() + " on any of the providers "
                + providers + ":" + failures);
    }

    private static void closeQuietly(OrtSession session) {
        if (session != null) {
            try {
                session.close();
            } catch (OrtException | RuntimeException ignored) {
                // already failing; the original error is reported
            }
        }
    }

    private static List<TensorSpec> specs(ModelSource source, String kind, Map<String, NodeInfo> infos) {
        List<TensorSpec> specs = new ArrayList<>(infos.size());
        for (NodeInfo n : infos.values()) {
            if (!(n.getInfo() instanceof TensorInfo ti)) {
                throw new ModelLoadException("ONNX model " + source.name() + ": " + kind + " '" + n.getName()
                        + "' is " + n.getInfo() + "; only tensors are supported");
            }
            specs.add(TensorSpec.of(n.getName(), dtype(source, kind, n.getName(), ti.type), ti.getShape()));
        }
        return List.copyOf(specs);
    }

    static DType dtype(ModelSource source, String kind, String name, OnnxJavaType type) {
        return switch (type) {
            case FLOAT -> DType.FLOAT32;
            case FLOAT16 -> DType.FLOAT16;
            case INT64 -> DType.INT64;
            case INT32 -> DType.INT32;
            case UINT8 -> DType.UINT8;
            case BOOL -> DType.BOOL;
            default -> throw new ModelLoadException("ONNX model " + source.name() + ": " + kind + " '" + name
                    + "' has element type " + type + "; supported: float32, float16, int64, int32, uint8, bool");
        };
    }

    static OnnxJavaType javaType(DType dtype) {
        return switch (dtype) {
            case FLOAT32 -> OnnxJavaType.FLOAT;
            case FLOAT16 -> OnnxJavaType.FLOAT16;
            case INT64 -> OnnxJavaType.INT64;
            case INT32 -> OnnxJavaType.INT32;
            case UINT8 -> OnnxJavaType.UINT8;
            case BOOL -> OnnxJavaType.BOOL;
        };
    }

    @Override
    public String toString() {
        return "OnnxBackend[" + ID + "]";
    }
}
