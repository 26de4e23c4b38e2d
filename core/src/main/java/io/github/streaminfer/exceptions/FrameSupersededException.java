package io.github.streaminfer.exceptions;

/**
 * A {@link io.github.streaminfer.image.PooledFrame} was reclaimed by its source for a newer frame before the worker
 * read it: the worker took the frame from the session's queue, then was held up (descheduled, typically) while its
 * source rotated through its pool. Nothing was read, so nothing is corrupt; the newer frame is on its way. Tasks that
 * read pooled frames should skip the frame (as {@code PooledFrameTask} does: the session then counts it as consumed
 * without a result) rather than report it.
 *
 * @since 0.1.0
 */
public class FrameSupersededException extends InvalidImageException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception for the frame that was reclaimed.
     *
     * @param sequence the frame's sequence number when the worker reached it
     */
    public FrameSupersededException(long sequence) {
        super("frame " + sequence + " was reclaimed by its source for a newer frame before it was read");
    }
}
