package io.github.streaminfer.backend.tensorrt;

import io.github.streaminfer.exceptions.ModelLoadException;
import org.bytedeco.cuda.cudart.cudaDeviceProp;
import org.bytedeco.cuda.global.cudart;

/**
 * The GPU a model is loaded on: what an engine depends on besides the model and TensorRT.
 *
 * @param index             CUDA device ordinal
 * @param name              the name CUDA reports
 * @param computeCapability {@code major.minor}
 * @param memoryBytes       total device memory
 */
record DeviceInfo(int index, String name, String computeCapability, long memoryBytes) {

    /**
     * Makes {@code index} the calling thread's current device and describes it.
     *
     * @param index       CUDA device ordinal
     * @param deviceCount devices visible
     * @return the description
     * @throws IllegalArgumentException if there is no such device
     */
    static DeviceInfo select(int index, int deviceCount) {
        if (index >= deviceCount) {
            throw new IllegalArgumentException("device is cuda:" + index + "; allowed: cuda:0"
                    + (deviceCount > 1 ? " .. cuda:" + (deviceCount - 1) : "") + " (" + deviceCount + " GPU"
                    + (deviceCount == 1 ? "" : "s") + " found)");
        }
        int rc = cudart.cudaSetDevice(index);
        if (rc != cudart.cudaSuccess) {
            throw new ModelLoadException("cudaSetDevice(" + index + ") failed: " + NativeCheck.cudaError(rc));
        }
        try (cudaDeviceProp prop = new cudaDeviceProp()) {
            rc = cudart.cudaGetDeviceProperties(prop, index);
            if (rc != cudart.cudaSuccess) {
                throw new ModelLoadException("cudaGetDeviceProperties(" + index + ") failed: " + NativeCheck.cudaError(rc));
            }
            return new DeviceInfo(index, prop.name().getString().trim(), prop.major() + "." + prop.minor(),
                    prop.totalGlobalMem());
        }
    }

    /**
     * Makes this device current on the calling thread (CUDA's current device is per thread).
     *
     * @throws IllegalStateException if CUDA refuses
     */
    void makeCurrent() {
        int rc = cudart.cudaSetDevice(index);
        if (rc != cudart.cudaSuccess) {
            throw new IllegalStateException("cudaSetDevice(" + index + ") failed: " + NativeCheck.cudaError(rc));
        }
    }
}
