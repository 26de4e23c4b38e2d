/**
 * The openpi-compatible msgpack WebSocket's public side: the
 * {@link io.github.streaminfer.transport.openpi.OpenPiEndpoint endpoint}, its
 * {@link io.github.streaminfer.transport.openpi.OpenPiLimits limits}, and the
 * {@link io.github.streaminfer.transport.openpi.OpenPiObservation observation} of
 * {@link io.github.streaminfer.transport.openpi.NdArray arrays} each message becomes.
 *
 * <p><b>Note:</b> observations are decoded on the connection's event loop and read by the session's worker.
 */
package io.github.streaminfer.transport.openpi;
