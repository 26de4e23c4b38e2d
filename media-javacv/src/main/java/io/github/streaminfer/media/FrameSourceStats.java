package io.github.streaminfer.media;

/**
 * Counters of a {@link FrameSource}, a consistent-enough snapshot taken from any thread.
 *
 * @param read      frames read from the device, file or folder
 * @param submitted frames the session accepted
 * @param dropped   frames read but not submitted: refused by the session (full, rate-limited, closed) or, for a
 *                  live camera at a chosen fps, read only to keep the device's buffer fresh and not due
 * @param errors    frames or files that could not be read (unreadable, corrupt, over a limit) and were skipped
 * @param running   true while the producer thread runs
 * @param failure   why the source stopped early, or null
 * @since 0.1.0
 */
public record FrameSourceStats(long read, long submitted, long dropped, long errors, boolean running,
                               Throwable failure) {
}
