/**
 * The signal-stream protocol's public side (SSE stream, REST infer and benchmark): the
 * {@link io.github.streaminfer.transport.signal.SignalEndpoint endpoint}, the
 * {@link io.github.streaminfer.transport.signal.SignalSource source} of windows, and the
 * {@link io.github.streaminfer.transport.signal.ClassificationEncoder encoder} of results.
 *
 * <p><b>Note:</b> a stream's source is read on the server's blocking executor, never on an event loop.
 */
package io.github.streaminfer.transport.signal;
