/**
 * Duty-cycle building blocks: idle strategies for workers that poll for work, and the {@link
 * io.github.streaminfer.concurrent.WakeSignal} that lets an idle worker sleep until a producer hands it work.
 *
 * <p>Threading: an {@link io.github.streaminfer.concurrent.IdleStrategy} instance belongs to one thread; a
 * {@code WakeSignal} is parked on by its one worker and woken from any thread. The default strategy,
 * {@link io.github.streaminfer.concurrent.IdleStrategy#parking()}, costs no CPU while idle; busy-spin and yielding
 * are opt-ins for a worker that owns a dedicated core.
 */
package io.github.streaminfer.concurrent;
