/**
 * The image path: decode an encoded frame, resize or letterbox it, normalise it and write it straight into a
 * session's input tensor.
 *
 * <p>Threading: {@link io.github.streaminfer.image.ImageDecoder} instances belong to one thread (a session's
 * worker); {@link io.github.streaminfer.image.ImageSpec} is immutable.
 */
package io.github.streaminfer.image;
