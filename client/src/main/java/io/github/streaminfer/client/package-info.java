/**
 * A remote policy for a robot controller JVM: {@link io.github.streaminfer.client.RemotePolicy} streams
 * observations to a StreamInfer server's VLA WebSocket and feeds the actions that come back to a local
 * {@link io.github.streaminfer.action.ActionController}, reconnecting with back-off when the server goes away.
 * {@link io.github.streaminfer.client.OpenPiPolicy} speaks openpi's msgpack policy protocol instead, request and
 * reply, to a StreamInfer server's openpi endpoint or openpi's own server.
 */
package io.github.streaminfer.client;
