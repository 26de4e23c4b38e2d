/**
 * The standalone server: {@link io.github.streaminfer.transport.server.StreamingServerMain} parses the command line
 * ({@code --port}, {@code --host}, {@code --backend}, {@code --model}, {@code --api-key}, {@code --tls-cert},
 * {@code --tls-key}), builds the sessions and mounts every endpoint. {@code bin/streaminfer-server} runs it.
 *
 * <p><b>Note:</b> the main thread only starts and stops the server; all I/O and inference run on the server's threads.
 */
package io.github.streaminfer.transport.server;
