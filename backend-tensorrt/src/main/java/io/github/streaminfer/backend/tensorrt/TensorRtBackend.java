package io.github.streaminfer.backend.tensorrt;

import io.github.streaminfer.backend.InferenceBackend;
import io.github.streaminfer.backend.LoadedModel;
import io.github.streaminfer.backend.ModelOptions;
import io.github.streaminfer.backend.ModelSource;
import io.github.streaminfer.exceptions.ModelLoadException;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.tensorrt.global.nvinfer;
import org.bytedeco.tensorrt.nvinfer.ICudaEngine;
import org.bytedeco.tensorrt.nvinfer.IRuntime;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Objects;

/**
 * The TensorRT backend, id {@code "tensorrt"}: runs serialized TensorRT engines ({@code .plan} / {@code .engine}) and
 * builds them from ONNX models, through the bytedeco TensorRT 10.15 and CUDA 13.1 presets.
 *
 * <p>Availability is decided once, on the first {@link #isAvailable()} / {@link #load} call, and never crashes: the
 * CUDA runtime must load, a driver must report at least one GPU, and TensorRT and its ONNX parser must load; the
 * first missing piece is named in {@link #unavailabilityCause()}.
 *
 * <p>Options: the device is {@code cuda}, {@code cuda:N}, {@code gpu:N} or {@code tensorrt} ({@code cpu} is refused);
 * the precision is {@code fp32} (TF32 off), {@code fp16} or {@code int8} (explicitly quantized models only); the
 * {@code tensorrt.*} properties of {@link TensorRtOptions} set the workspace, the profile shapes, the engine and
 * timing caches and CUDA graphs. Thread counts and execution providers are ONNX Runtime settings and are ignored.
 *
 * <p><b>Note:</b> thread-safe.
 *
 * @since 0.1.0
 */
public final class TensorRtBackend implements InferenceBackend {
    /** The id this backend is found by. */
    public static final String ID = "tensorrt";

    private static final Logger LOG = LoggerFactory.getLogger(TensorRtBackend.class);

    /** Creates the backend; cheap, loads no native code. */
    public TensorRtBackend() {
        // ServiceLoader constructor
    }

    @Override
    public String id() {
        return ID;
    }

    @Override
    public String description() {
        NativeCheck.Result r = NativeCheck.result();
        if (!r.available()) {
            return "TensorRT (unavailable: " + r.cause().getMessage() + ")";
        }
        return "TensorRT " + r.tensorRtVersion() + " (preset " + NativeCheck.TRT_PRESET + "), CUDA driver "
                + r.cudaDriver() + ", " + r.deviceCount() + " GPU" + (r.deviceCount() == 1 ? "" : "s");
    }

    @Override
    public boolean isAvailable() {
        return NativeCheck.result().available();
    }

    @Override
    public Throwable unavailabilityCause() {
        return NativeCheck.result().cause();
    }

    /** {@return how long the availability check took, in nanoseconds (it runs once)} */
    public long availabilityCheckNanos() {
        return NativeCheck.result().decideNanos();
    }

    /** {@return the TensorRT library version, e.g. {@code 10.15.1}, or null if unavailable} */
    public String tensorRtVersion() {
        return NativeCheck.result().tensorRtVersion();
    }

    @Override
    public LoadedModel load(ModelSource source, ModelOptions options) {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(options, "options");
        ensureAvailability();
        TensorRtOptions trt = TensorRtOptions.from(options);
        NativeCheck.Result env = NativeCheck.result();
        byte[] bytes = source.readAllBytes();
        if (bytes.length == 0) {
            throw new ModelLoadException("cannot load TensorRT model " + source.name() + ": it is empty (0 bytes)");
        }
        ModelFormat format = trt.format().resolve(source.name(), bytes);
        if (format == ModelFormat.ONNX && trt.precision().equals("int8") && !trt.int8Quantized()) {
            throw new IllegalArgumentException("precision is int8 for ONNX model " + source.name() + ", which would need "
                    + "calibration; StreamInfer does not calibrate. Allowed: an explicitly quantized (Q/DQ) model with "
                    + TensorRtOptions.INT8_QUANTIZED + "=true, a prebuilt int8 engine, or precision fp16");
        }
        DeviceInfo device = DeviceInfo.select(trt.deviceIndex(), env.deviceCount());
        byte[] plan = format == ModelFormat.ENGINE ? bytes
                : EngineBuilder.buildOrLoad(source, bytes, trt, device, env.tensorRtVersion());
        TrtLogger logger = TrtLogger.get();
        long mark = logger.mark();
        IRuntime runtime = nvinfer.createInferRuntime(logger);
        if (runtime == null || runtime.isNull()) {
            throw new ModelLoadException("cannot load TensorRT model " + source.name() + ": createInferRuntime failed: "
                    + logger.errorsSince(mark));
        }
        ICudaEngine engine = null;
        try {
            try (BytePointer p = new BytePointer(plan)) {
                engine = runtime.deserializeCudaEngine(p, plan.length);
            }
            if (engine == null || engine.isNull()) {
                throw new ModelLoadException("cannot load TensorRT " + (format == ModelFormat.ENGINE ? "engine " : "engine "
                        + "built from ") + source.name() + ": deserializeCudaEngine failed (an engine only loads with the "
                        + "TensorRT version and GPU it was built for; this is TensorRT " + env.tensorRtVersion() + " on "
                        + device.name() + " " + device.computeCapability() + "): " + logger.errorsSince(mark));
            }
            TensorRtModel model = new TensorRtModel(runtime, engine, source.name(), device, trt.cudaGraph());
            LOG.info("TensorRT model {} loaded on {}: {}", source.name(), model.deviceDescription(), model.signature());
            return model;
        } catch (ModelLoadException | IllegalArgumentException e) {
            EngineBuilder.free(engine);
            EngineBuilder.free(runtime);
            throw e;
        } catch (RuntimeException e) { // a C++ exception JavaCPP turned into a RuntimeException, a CUDA failure
            EngineBuilder.free(engine);
            EngineBuilder.free(runtime);
            throw new ModelLoadException("cannot load TensorRT model " + source.name() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return "TensorRtBackend[" + ID + "]";
    }
}
