/**
 * The streaming session: ingress queues, the worker, results, statistics.
 *
 * <p>Threading: producers call {@code submit} (one thread or many, per {@link io.github.streaminfer.session.ProducerMode});
 * one worker per session (a dedicated thread or a {@link io.github.streaminfer.session.WorkerPool} thread) runs
 * preprocess, the model, decode and listeners; one consumer thread reads the results ring; any thread reads the
 * latest-value mailbox, statistics, and may reset or close.
 *
 * <p>Memory: ingress slots, tensors and results are allocated when the session is built and reused; the hot path
 * ({@code submit} → worker → result) allocates nothing in steady state, takes no locks and does not log.
 */
package io.github.streaminfer.session;
