/**
 * A msgpack codec of the project's own: {@link io.github.streaminfer.msgpack.MsgpackReader} reads values from a byte
 * array with every size checked against the bytes present, {@link io.github.streaminfer.msgpack.MsgpackWriter} writes
 * them in their smallest formats. Extension types are recognised and refused.
 *
 * <p>Not part of the public API: exported only to the transport (the openpi endpoint) and the client (the openpi
 * protocol), so that both speak the same msgpack without a third-party codec on the module path.
 */
package io.github.streaminfer.msgpack;
