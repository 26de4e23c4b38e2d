/**
 * A small JNA binding of OpenVINO's C API 2.0 ({@code libopenvino_c}): only the functions StreamInfer calls, in one
 * package, so that a published Java binding (the bytedeco preset) can replace it without touching the backend.
 *
 * <p>Memory: every object OpenVINO returns (core, model, compiled model, port, infer request, tensor, strings,
 * shape and partial-shape dimension arrays) is owned by the caller and freed exactly once with its own
 * {@code *_free} function; tensors made with {@code ov_tensor_create_from_host_ptr} wrap the caller's memory, which
 * stays the caller's. Struct layouts assume a 64-bit platform ({@code ov_shape_t}: 16 bytes,
 * {@code ov_partial_shape_t}: 24 bytes, {@code ov_dimension_t}: 16 bytes).
 *
 * <p>Threading: the binding is thread-safe; OpenVINO objects other than infer requests may be shared between threads.
 * OpenVINO keeps one "last error message" for the whole process.
 *
 * <p>Not exported by the module: it is an implementation detail of {@code io.github.streaminfer.backend.openvino}.
 */
package io.github.streaminfer.backend.openvino.capi;
