/**
 * Tasks: what turns an observation into input tensors and output tensors into a result.
 *
 * <p>Threading: a task instance belongs to one session and is called only from that session's worker.
 * Memory: tasks write into the session's pre-allocated direct tensors and decode into pre-allocated result
 * values; nothing is allocated per frame by the built-in tasks.
 */
package io.github.streaminfer.task;
