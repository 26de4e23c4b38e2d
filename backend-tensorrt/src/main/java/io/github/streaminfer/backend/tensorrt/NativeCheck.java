package io.github.streaminfer.backend.tensorrt;

import org.bytedeco.cuda.global.cudart;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.tensorrt.global.nvinfer;
import org.bytedeco.tensorrt.global.nvonnxparser;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Decides once whether TensorRT can run here: the CUDA runtime loads, a driver and at least one GPU answer, TensorRT
 * and its ONNX parser load. Every step catches {@link Throwable}: without the libraries {@link Loader#load(Class)}
 * throws {@link UnsatisfiedLinkError}, and any later use of the same preset class {@link NoClassDefFoundError}; neither
 * may escape, and no native function is called before its library is known to be loaded.
 *
 * <p><b>Note:</b> thread-safe; the check runs at most once per class loader.
 */
final class NativeCheck {
    private static final Object LOCK = new Object();
    private static volatile Result result;

    private NativeCheck() {
    }

    /**
     * The outcome of the check.
     *
     * @param cause           why TensorRT cannot run, or null
     * @param tensorRtVersion e.g. {@code 10.15.1}, or null
     * @param cudaDriver      the CUDA version the driver supports, e.g. {@code 13.1}, or null
     * @param deviceCount     GPUs visible to CUDA
     * @param decideNanos     how long the check took
     */
    record Result(Throwable cause, String tensorRtVersion, String cudaDriver, int deviceCount, long decideNanos) {
        boolean available() {
            return cause == null;
        }
    }

    static Result result() {
        Result r = result;
        if (r != null) {
            return r;
        }
        synchronized (LOCK) {
            if (result == null) {
                long t0 = System.nanoTime();
                result = decide(t0);
            }
            return result;
        }
    }

    private static Result decide(long t0) {
        try {
            Loader.load(cudart.class);
        } catch (Throwable t) {
            return unavailable(t0, "the CUDA runtime cannot be loaded" + missing(t) + " (JavaCPP cuda preset "
                    + CUDA_PRESET + ": its jnicudart needs the NVIDIA driver's libcuda.so.1 and CUDA 13's libcudart.so.13, "
                    + "from the -redist jar or a CUDA install on the library path): " + chain(t), t);
        }
        int devices;
        String driver;
        try {
            int[] v = new int[1];
            int rc = cudart.cudaDriverGetVersion(v);
            driver = rc == cudart.cudaSuccess && v[0] > 0 ? (v[0] / 1000) + "." + (v[0] % 1000 / 10) : null;
            int[] n = new int[1];
            rc = cudart.cudaGetDeviceCount(n);
            if (rc != cudart.cudaSuccess) {
                return unavailable(t0, "no usable NVIDIA GPU: cudaGetDeviceCount failed with " + cudaError(rc)
                        + (driver == null ? " (no NVIDIA driver found)" : " (the driver supports CUDA " + driver
                        + "; this build needs CUDA 13.1)"), null);
            }
            if (n[0] == 0) {
                return unavailable(t0, "no NVIDIA GPU: cudaGetDeviceCount found 0 devices", null);
            }
            devices = n[0];
        } catch (Throwable t) {
            return unavailable(t0, "the CUDA runtime failed to answer: " + chain(t), t);
        }
        String version;
        try {
            Loader.load(nvinfer.class);
            int v = nvinfer.getInferLibVersion();
            version = nvinfer.getInferLibMajorVersion() + "." + nvinfer.getInferLibMinorVersion() + "."
                    + nvinfer.getInferLibPatchVersion();
            if (v <= 0) {
                return unavailable(t0, "TensorRT reports no version (getInferLibVersion() = " + v + ")", null);
            }
        } catch (Throwable t) {
            return unavailable(t0, "TensorRT cannot be loaded" + missing(t) + " (JavaCPP tensorrt preset " + TRT_PRESET
                    + ": its jninvinfer needs libnvinfer.so.10 from the -redist jar or a TensorRT 10.15 install on the "
                    + "library path): " + chain(t), t);
        }
        try {
            Loader.load(nvonnxparser.class);
        } catch (Throwable t) {
            return unavailable(t0, "the TensorRT ONNX parser cannot be loaded" + missing(t) + " (libnvonnxparser.so.10): "
                    + chain(t), t);
        }
        return new Result(null, version, driver, devices, System.nanoTime() - t0);
    }

    static final String CUDA_PRESET = "13.1-9.19-1.5.13";
    static final String TRT_PRESET = "10.15-1.5.13";

    private static Result unavailable(long t0, String message, Throwable cause) {
        return new Result(new IllegalStateException(message, cause), null, null, 0, System.nanoTime() - t0);
    }

    /**
     * {@return e.g. {@code cudaErrorNoDevice (100): no CUDA-capable device is detected}}
     *
     * @param rc a CUDA runtime status
     */
    static String cudaError(int rc) {
        try {
            BytePointer name = cudart.cudaGetErrorName(rc);
            BytePointer text = cudart.cudaGetErrorString(rc);
            return (name == null ? "error" : name.getString()) + " (" + rc + "): "
                    + (text == null ? "unknown" : text.getString());
        } catch (Throwable t) {
            return "CUDA error " + rc;
        }
    }

    private static final Pattern NOT_FOUND = Pattern.compile("([A-Za-z0-9_.+-]+\\.so[0-9.]*): cannot open shared object file");

    /**
     * {@return ": libcuda.so.1 is missing (the NVIDIA driver)" for the first library the dynamic linker could not find
     *     anywhere in the causes, or "" when none is named}
     *
     * @param t a failure to load native code
     */
    static String missing(Throwable t) {
        Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        String found = null;
        for (Throwable c = t; c != null && seen.add(c); c = c.getCause()) {
            Matcher m = NOT_FOUND.matcher(String.valueOf(c.getMessage()));
            if (m.find()) {
                found = m.group(1);
            }
        }
        if (found == null) {
            return "";
        }
        String what = found.startsWith("libcuda.so") ? " (the NVIDIA driver is not installed)"
                : found.startsWith("libcudart") ? " (the CUDA runtime)"
                : found.startsWith("libnvinfer") || found.startsWith("libnvonnxparser") ? " (TensorRT)" : "";
        return ": " + found + " is missing" + what;
    }

    /** {@return the throwable and its causes, outermost first, e.g. "UnsatisfiedLinkError: … <- …"} */
    static String chain(Throwable t) {
        StringBuilder sb = new StringBuilder();
        Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Throwable c = t; c != null && seen.add(c); c = c.getCause()) {
            if (sb.length() > 0) {
                sb.append(" <- ");
            }
            sb.append(c);
        }
        return sb.toString();
    }
}
