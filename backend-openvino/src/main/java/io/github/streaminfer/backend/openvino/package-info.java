/**
 * The OpenVINO backend: IR and ONNX models on OpenVINO's CPU, GPU, NPU and AUTO devices, through a JNA binding of
 * OpenVINO's C API ({@code libopenvino_c}) loaded from a configured directory.
 *
 * <p>Memory: input tensors are the session's direct native-order buffers, wrapped by OpenVINO without a copy
 * ({@code ov_tensor_create_from_host_ptr}); static outputs are bound the same way, so OpenVINO writes into the
 * session's buffers; dynamic outputs are copied after each run. The session must keep its tensors reachable while a
 * run is in progress (it does). Every OpenVINO object is freed exactly once, by {@code close()} at the latest.
 *
 * <p>Hot path: a run with unchanged tensors is one native call ({@code ov_infer_request_infer}); a JNA call allocates
 * its small argument array, and a dynamic output adds a few small objects for the shape and the copy.
 *
 * <p>Threading: {@link io.github.streaminfer.backend.openvino.OpenVinoBackend} and its models are thread-safe;
 * {@code run} may be called from several threads at once with different tensor arrays, each tensor set getting its
 * own OpenVINO infer request.
 */
package io.github.streaminfer.backend.openvino;
