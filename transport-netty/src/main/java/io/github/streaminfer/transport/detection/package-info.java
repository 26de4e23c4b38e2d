/**
 * The detection protocol's public side (WebSocket, REST and SSE): the
 * {@link io.github.streaminfer.transport.detection.DetectionEndpoint endpoint}, its per-connection
 * {@link io.github.streaminfer.transport.detection.DetectionSettings settings}, the
 * {@link io.github.streaminfer.transport.detection.DetectionImage image} each frame becomes, and the
 * {@link io.github.streaminfer.transport.detection.DetectionEncoder encoder} that writes results.
 *
 * <p><b>Note:</b> encoders run on the session's worker thread; images are parsed and checked on the event loop.
 */
package io.github.streaminfer.transport.detection;
