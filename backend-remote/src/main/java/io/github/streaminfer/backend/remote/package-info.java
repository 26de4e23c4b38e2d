/**
 * The remote backend: models served by an inference server that speaks the Open Inference Protocol (KServe v2),
 * over gRPC ({@code raw_input_contents} / {@code raw_output_contents}) or REST (JSON).
 *
 * <p>Connections: one gRPC channel or HTTP client per endpoint, shared by every model loaded from it and so by
 * every session over those models; closed with the last model. Each run is one call with its own deadline; the
 * time it spent waiting on the server is reported to the session as the {@code NETWORK} stage.
 *
 * <p>Memory: an input tensor is copied once, in bulk, into the request; a raw output is copied once, in bulk, into
 * the caller's tensor. No element is boxed on either binding.
 *
 * <p>Threading: {@link io.github.streaminfer.backend.remote.RemoteBackend} and its models are thread-safe; {@code
 * run} may be called from several threads at once with different tensor arrays.
 */
package io.github.streaminfer.backend.remote;
