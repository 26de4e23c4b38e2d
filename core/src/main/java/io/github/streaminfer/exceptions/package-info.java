/**
 * StreamInfer's runtime exceptions, in one package that depends on nothing else of the library so that every other
 * package can throw them without importing its siblings.
 *
 * <ul>
 *   <li>{@link io.github.streaminfer.exceptions.StreamInferException} is the base of them all.</li>
 *   <li>Loading and running models: {@link io.github.streaminfer.exceptions.ModelLoadException},
 *       {@link io.github.streaminfer.exceptions.InferenceException} and
 *       {@link io.github.streaminfer.exceptions.BackendUnavailableException}.</li>
 *   <li>Inputs that do not fit: {@link io.github.streaminfer.exceptions.InvalidInputException}, with
 *       {@link io.github.streaminfer.exceptions.InvalidImageException} for encoded images and its subclass
 *       {@link io.github.streaminfer.exceptions.FrameSupersededException} for a pooled frame reclaimed before it was
 *       read.</li>
 * </ul>
 *
 * <p>Threading: immutable once thrown. The session's hot path reports status codes; these are for programmer errors
 * and failures, and they fail one frame or one call, never the session.
 */
package io.github.streaminfer.exceptions;
