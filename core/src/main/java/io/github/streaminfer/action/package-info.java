/**
 * Action processing for robot control: policy actions and action chunks in, one fresh, smooth and safe command per
 * control tick out.
 *
 * <p>Flow: the session's worker decodes an action or a chunk ({@code H x D} floats) and hands it to
 * {@link io.github.streaminfer.action.ActionController#offer} (directly or through
 * {@link io.github.streaminfer.action.ActionStage}); the robot's control loop calls
 * {@link io.github.streaminfer.action.ActionController#next(long, double[], io.github.streaminfer.action.ActionCommand)}
 * every tick (or a {@link io.github.streaminfer.action.ControlLoop} does it and calls back). Each tick: chunk
 * aggregation on a step grid (latest-only, ACT temporal ensembling, weighted blend) with interpolation, smoothing
 * (EMA, moving average, one-euro, first-order low-pass), then the safety chain (non-finite guard, per-axis bounds
 * and workspace box, velocity/acceleration/jerk caps with direction-preserving scaling, max step, staleness
 * watchdog, latched emergency stop). Every command carries its state, safety score, interventions, source frame
 * and observation age.
 *
 * <p>Threading: {@code offer} is called by one producer thread (the worker), {@code next} by one consumer thread
 * (the control loop). They meet in a wait-free ring of pre-allocated chunk slots guarded by sequence locks: neither
 * side ever waits for the other, and a chunk overwritten while being read is detected and skipped. The emergency
 * stop, the refill flag and statistics are safe from any thread.
 *
 * <p>Memory: every buffer (handoff slots, step queue, filter state, the command) is allocated when the controller is
 * built; {@code offer} and {@code next} allocate nothing, take no locks, do not log and report problems with status
 * codes and intervention bits rather than exceptions. Chunks are stored as flat row-major {@code float[]};
 * processing and commands are in {@code double}. Time comes only from {@code nowNanos} arguments or the
 * controller's {@link io.github.streaminfer.time.NanoClock}.
 */
package io.github.streaminfer.action;
