/**
 * The VLA protocol's public side: the {@link io.github.streaminfer.transport.vla.VlaEndpoint endpoint} a server
 * mounts and the {@link io.github.streaminfer.transport.vla.VlaFrame frame} each {@code frame} message becomes.
 * PROTOCOL.md describes the messages.
 *
 * <p><b>Note:</b> a {@code VlaFrame} is refilled by its connection's event loop once its session is done with it;
 * a task must not keep it past {@code preprocess}.
 */
package io.github.streaminfer.transport.vla;
