/**
 * Duty-cycle building blocks: idle strategies for workers that poll for work.
 *
 * <p>Threading: an {@link io.github.streaminfer.concurrent.IdleStrategy} instance belongs to one thread.
 */
package io.github.streaminfer.concurrent;
