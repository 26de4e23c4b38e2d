/**
 * The TensorRT backend: serialized engines, engines built from ONNX (with an on-disk engine cache and a timing
 * cache), run through the bytedeco TensorRT and CUDA presets.
 *
 * <p>Memory: every thread that runs a model has its own execution context, CUDA stream, and one device buffer and one
 * pinned host buffer ({@code cudaHostAlloc}) per input and output, allocated once and sized for the optimisation
 * profile's maximum shapes; {@code setTensorAddress} binds the device buffers once. A run copies the session's direct
 * buffers into the pinned ones (a CPU memcpy of a few kilobytes for typical streaming inputs), queues asynchronous
 * host-to-device copies, {@code enqueueV3} and device-to-host copies on the stream, synchronises the stream and copies
 * the outputs back. The session's own buffers are not registered with {@code cudaHostRegister}: a session may
 * reallocate a tensor when its shape grows and frees it without telling the backend, registration costs far more than
 * the copy it saves, and an unregistered free would be undefined behaviour. Optional CUDA graphs replay the queued
 * part with one launch.
 *
 * <p>Threading: {@link io.github.streaminfer.backend.tensorrt.TensorRtBackend} and its models are thread-safe;
 * {@code run} may be called from several threads at once, each thread on its own stream. CUDA's current device is
 * set on a thread when its stream is created.
 */
package io.github.streaminfer.backend.tensorrt;
