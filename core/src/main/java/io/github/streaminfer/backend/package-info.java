/**
 * The backend SPI: {@link io.github.streaminfer.backend.InferenceBackend} providers found with
 * {@link java.util.ServiceLoader}, {@link io.github.streaminfer.backend.LoadedModel}s that run into pre-allocated
 * tensors, and the options and sources models are loaded with.
 *
 * <p>Threading: backends are thread-safe; {@code LoadedModel.run} may be called concurrently by several sessions.
 */
package io.github.streaminfer.backend;
