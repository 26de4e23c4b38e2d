/**
 * The ONNX Runtime backend.
 *
 * <p>Memory: input and output tensors are the session's direct native-order buffers, wrapped by ONNX Runtime
 * without a copy; wrappers are cached per caller tensor set and rebuilt only when a buffer or shape changes.
 * Outputs whose shapes are static (or became known and stay the same for unchanged input shapes) are pinned, so
 * ONNX Runtime writes straight into them; the others are copied after the run.
 *
 * <p>Threading: {@link io.github.streaminfer.backend.onnx.OnnxBackend} and its models are thread-safe;
 * {@code run} may be called from several threads at once with different tensor arrays.
 */
package io.github.streaminfer.backend.onnx;
