/**
 * The standalone server: {@link io.github.streaminfer.server.StreamingServerMain} parses the command line
 * ({@code --port}, {@code --host}, {@code --backend}, {@code --model}, {@code --warmup}, {@code --api-key},
 * {@code --tls-cert}, {@code --tls-key}, ...), loads the models on a loader thread, warms every endpoint, and mounts
 * them. {@code bin/streaminfer-server} builds and runs it.
 *
 * <p><b>Note:</b> the main thread only starts and stops the server; native start-up runs on a loader thread, all I/O
 * and inference on the server's threads.
 */
package io.github.streaminfer.server;
