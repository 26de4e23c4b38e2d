/**
 * The image path: decode an encoded frame, resize or letterbox it, normalise it and write it straight into a
 * session's input tensor.
 *
 * <ul>
 *   <li>{@link io.github.streaminfer.image.ImageSpec} says what the model needs; {@link
 *       io.github.streaminfer.image.ImageGeometry} says where the image landed (to map detections back).</li>
 *   <li>{@link io.github.streaminfer.image.ImageDecoders#best()} returns the fastest available
 *       {@link io.github.streaminfer.image.ImageDecoder}: OpenCV from {@code streaminfer-media-javacv} when present,
 *       else the built-in {@link io.github.streaminfer.image.JavaImageDecoder}. Both follow
 *       {@link io.github.streaminfer.image.ImageFit} and agree within one grey level.</li>
 *   <li>Untrusted bytes: {@link io.github.streaminfer.image.ImageHeaders#probe} checks size, header, claimed pixel
 *       count and end marker before anything is decoded; every decoder runs it first.</li>
 *   <li>{@link io.github.streaminfer.image.PooledFrame} hands reusable frame buffers from a producer (a frame
 *       source) to a session's worker without locks and without ever showing a half-written frame.</li>
 * </ul>
 *
 * <p>Threading: {@link io.github.streaminfer.image.ImageDecoder} instances belong to one thread (a session's
 * worker); {@link io.github.streaminfer.image.ImageSpec} is immutable; {@link io.github.streaminfer.image.ImageHeaders}
 * and {@link io.github.streaminfer.image.ImageFit} are stateless. Memory layout: NCHW writes three planes of
 * {@code width × height} elements, NHWC interleaves three channels per pixel; image {@code n} of a batch starts at
 * element {@code n × 3 × width × height}.
 */
package io.github.streaminfer.image;
