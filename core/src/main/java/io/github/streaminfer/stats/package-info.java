/**
 * Value distributions for statistics: {@link io.github.streaminfer.stats.LogLinearHistogram} (bounded relative
 * error, exact count, minimum, maximum and mean), and {@link io.github.streaminfer.stats.HistogramRecorder}, which
 * records on the hot path (no lock, no allocation) and hands intervals to a reader on another thread through a
 * {@link io.github.streaminfer.stats.RecordingPhaser}.
 *
 * <p>Not part of the public API: exported only to the transport module, which keeps a server-wide latency
 * distribution.
 */
package io.github.streaminfer.stats;
