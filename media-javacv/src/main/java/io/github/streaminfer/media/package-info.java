/**
 * OpenCV-backed media: {@link io.github.streaminfer.media.OpenCvImageDecoder} decodes and fits images straight
 * into tensors; {@link io.github.streaminfer.media.FrameSource} implementations read a camera, a video file or an
 * image folder and submit frames to a session.
 *
 * <p>Threading: a decoder belongs to one thread; a frame source runs its own producer thread and is controlled
 * from any thread. Native memory (every {@code Mat} and {@code Pointer}) and a decoder's scratch file are owned by
 * the object that created them and released by its {@code close()}.
 */
package io.github.streaminfer.media;
