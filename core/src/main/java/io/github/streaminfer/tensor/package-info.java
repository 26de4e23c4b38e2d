/**
 * Tensors over direct, native-order buffers.
 *
 * <p>Memory layout: row-major (C order), little or big endian as the platform is ({@link java.nio.ByteOrder#nativeOrder()}),
 * so backends such as ONNX Runtime read the buffers without a copy. A session allocates its tensors when it is built
 * and reuses them for every frame; nested Java arrays never appear on the hot path.
 *
 * <p>Threading: a {@link io.github.streaminfer.tensor.Tensor} is confined to the worker that owns it.
 */
package io.github.streaminfer.tensor;
