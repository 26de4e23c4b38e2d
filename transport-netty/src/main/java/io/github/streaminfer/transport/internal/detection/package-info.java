/**
 * The detection protocol: its WebSocket handler, REST API and SSE stream, and the session they share. Not exported.
 *
 * <p><b>Note:</b> every handler is one instance per connection and runs on that connection's event loop, except
 * result listeners (session worker) and work handed to the server's blocking executor.
 */
package io.github.streaminfer.transport.internal.detection;
