/**
 * StreamInfer's Netty transport: a {@link io.github.streaminfer.transport.StreamingServer} that mounts the seeds'
 * protocols (VLA WebSocket, detection WebSocket and REST + SSE, signal SSE stream, openpi-compatible msgpack
 * WebSocket, Prometheus metrics) on {@link io.github.streaminfer.transport.SessionFactory session factories}, with
 * API keys and {@link io.github.streaminfer.transport.Tier tiers}, size limits, timeouts and optional TLS.
 *
 * <p>This package holds what every endpoint shares (the server, limits, access, session factories and requests, close
 * codes, event loops) and the action encoders both the VLA and openpi endpoints write with, with the task adapters
 * that serve one policy over both. Each protocol has its own package: {@code transport.vla},
 * {@code transport.detection}, {@code transport.signal} and {@code transport.openpi}; none of them uses another.
 *
 * <p>The transport only moves bytes: each endpoint turns messages into observations
 * ({@link io.github.streaminfer.transport.vla.VlaFrame},
 * {@link io.github.streaminfer.transport.detection.DetectionImage}, {@code float[]} windows,
 * {@link io.github.streaminfer.transport.openpi.OpenPiObservation}) for a session, and results back
 * into messages through an encoder ({@link io.github.streaminfer.transport.ActionEncoder},
 * {@link io.github.streaminfer.transport.detection.DetectionEncoder},
 * {@link io.github.streaminfer.transport.signal.ClassificationEncoder}). Which model, task, smoothing and safety a
 * client gets is the factory's decision.
 *
 * <p><b>Note:</b> inference never runs on a Netty event loop. Message parsing and validation run on the connection's
 * event loop; results are encoded on the session's worker and written with a conflating writer (a slow reader sees
 * the newest result; memory stays bounded by the write-buffer watermarks); session open and close run on a small
 * blocking executor. On the VLA endpoint's steady path the transport's own code allocates nothing per frame (Netty
 * still makes its per-message objects): the usual {@code frame} and {@code frame_metadata} messages are read straight
 * from their bytes into a few {@link io.github.streaminfer.transport.vla.VlaFrame}s that each connection reuses
 * (refilled only once the session is done with them), and {@code action} replies are written by one JSON generator
 * per connection.
 */
package io.github.streaminfer.transport;
