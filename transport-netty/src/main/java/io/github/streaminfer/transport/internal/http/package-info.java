/**
 * The plumbing every protocol shares: routing, HTTP and JSON helpers, outbound writing, connection guard, rate
 * gate, session opening and metrics. Imports no protocol package. Not exported.
 *
 * <p><b>Note:</b> every handler is one instance per connection and runs on that connection's event loop, except
 * result listeners (session worker) and work handed to the server's blocking executor.
 */
package io.github.streaminfer.transport.internal.http;
