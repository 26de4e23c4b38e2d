package io.github.streaminfer.image;

import io.github.streaminfer.exceptions.FrameSupersededException;
import io.github.streaminfer.exceptions.InvalidImageException;
import io.github.streaminfer.tensor.Tensor;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One frame from a frame source, handed to a session as its observation: either encoded bytes (JPEG/PNG, from
 * an image folder or the network) or raw pixels (a camera or video frame), in a reusable direct buffer.
 *
 * <p><b>Ownership.</b> Sources keep a small pool of frames and reuse them, while the session may still hold a
 * submitted frame in its queue. A frame therefore carries a state: the source {@link #tryClaim() claims} a frame
 * that is free or published but not yet taken, writes it and publishes it ({@link #publishEncoded}, {@link #publishPixels}); the task
 * {@link #tryAcquire() acquires} it, reads it and {@link #release() releases} it. A frame being read is never
 * claimed, so a reader never sees it change; a published frame that was reclaimed before the worker reached it
 * fails {@code tryAcquire} (it was superseded by a newer one). {@link #writeInto} does acquire, decode or fit, and
 * release in one call.
 *
 * <p><b>Note:</b> one writer (its source) and one reader (the session worker) at a time; the state hand-off is
 * lock-free and allocation-free.
 *
 * @since 0.1.0
 */
public final class PooledFrame {
    private static final int FREE = 0;
    private static final int WRITING = 1;
    private static final int READY = 2;
    private static final int READING = 3;

    private final AtomicInteger state = new AtomicInteger(FREE);
    private ByteBuffer data = ByteBuffer.allocateDirect(0).order(ByteOrder.nativeOrder());
    private PixelFormat format;
    private int width;
    private int height;
    private int rowStride;
    private int length;
    private long sequence;
    private long captureNanos;

    /** Creates an empty, free frame. */
    public PooledFrame() {
    }

    // ------------------------------------------------------------------------------------------------ writer side

    /**
     * Claims this frame for writing: succeeds if it is free, or published and not yet taken by a reader.
     *
     * @return true if the caller may now write it
     */
    public boolean tryClaim() {
        return state.compareAndSet(FREE, WRITING) || state.compareAndSet(READY, WRITING);
    }

    /**
     * Makes sure the buffer holds {@code bytes} bytes, growing it once if needed (a one-time allocation for a
     * stream of same-sized frames). Only while claimed.
     *
     * @param bytes bytes needed
     * @return the buffer, position 0, limit {@code bytes}
     */
    public ByteBuffer ensureCapacity(int bytes) {
        requireState(WRITING, "ensureCapacity");
        if (data.capacity() < bytes) {
            data = ByteBuffer.allocateDirect(bytes).order(ByteOrder.nativeOrder());
        }
        data.clear().limit(bytes);
        return data;
    }

    /**
     * Publishes encoded bytes written to the first {@code length} bytes of the buffer.
     *
     * @param length       encoded length
     * @param sequence     frame number at its source
     * @param captureNanos capture time on the session clock
     */
    public void publishEncoded(int length, long sequence, long captureNanos) {
        requireState(WRITING, "publishEncoded");
        this.format = null;
        this.length = length;
        this.width = 0;
        this.height = 0;
        this.rowStride = 0;
        this.sequence = sequence;
        this.captureNanos = captureNanos;
        state.set(READY);
    }

    /**
     * Publishes raw pixels written to the buffer.
     *
     * @param format       pixel layout
     * @param width        width
     * @param height       height
     * @param rowStride    bytes per row
     * @param sequence     frame number at its source
     * @param captureNanos capture time on the session clock
     */
    public void publishPixels(PixelFormat format, int width, int height, int rowStride, long sequence,
                              long captureNanos) {
        requireState(WRITING, "publishPixels");
        this.format = format;
        this.width = width;
        this.height = height;
        this.rowStride = rowStride;
        this.length = rowStride * height;
        this.sequence = sequence;
        this.captureNanos = captureNanos;
        state.set(READY);
    }

    /** Gives up a claim without publishing. */
    public void abandon() {
        state.compareAndSet(WRITING, FREE);
    }

    // ------------------------------------------------------------------------------------------------ reader side

    /**
     * Takes the published frame for reading.
     *
     * @return false if it is not published (it was reclaimed for a newer frame, or never written)
     */
    public boolean tryAcquire() {
        return state.compareAndSet(READY, READING);
    }

    /** Ends reading; the source may reuse the frame. */
    public void release() {
        state.compareAndSet(READING, FREE);
    }

    /**
     * Acquires the frame, decodes (encoded) or fits (raw) it into {@code tensor}, and releases it.
     *
     * @param decoder       the decoder of the calling thread
     * @param spec          the target
     * @param tensor        the destination
     * @param elementOffset first element
     * @param geometry      receives where the image landed
     * @return {@code geometry}
     * @throws FrameSupersededException if the source reclaimed the frame for a newer one before it was read
     * @throws InvalidImageException     if the frame is not a valid image
     */
    public ImageGeometry writeInto(ImageDecoder decoder, ImageSpec spec, Tensor tensor, long elementOffset,
                                   ImageGeometry geometry) {
        if (!tryAcquire()) {
            throw new FrameSupersededException(sequence);
        }
        try {
            ByteBuffer view = data.clear().limit(length);
            if (format == null) {
                return decoder.decodeInto(view, spec, tensor, elementOffset, geometry);
            }
            return decoder.fitInto(view, width, height, rowStride, format, spec, tensor, elementOffset, geometry);
        } finally {
            release();
        }
    }

    // -------------------------------------------------------------------------------------------------- accessors

    /** {@return the buffer, position 0 and limit {@link #length()}; read only while acquired or claimed} */
    public ByteBuffer data() {
        return data.clear().limit(length);
    }

    /** {@return true if the frame holds encoded bytes, false for raw pixels} */
    public boolean isEncoded() {
        return format == null;
    }

    /** {@return the pixel layout, or null for encoded bytes} */
    public PixelFormat format() {
        return format;
    }

    /** {@return width of raw pixels, 0 for encoded bytes} */
    public int width() {
        return width;
    }

    /** {@return height of raw pixels, 0 for encoded bytes} */
    public int height() {
        return height;
    }

    /** {@return bytes per row of raw pixels} */
    public int rowStride() {
        return rowStride;
    }

    /** {@return valid bytes in the buffer} */
    public int length() {
        return length;
    }

    /** {@return frame number at its source, from 0} */
    public long sequence() {
        return sequence;
    }

    /** {@return capture time on the session clock} */
    public long captureNanos() {
        return captureNanos;
    }

    private void requireState(int expected, String op) {
        if (state.get() != expected) {
            throw new IllegalStateException(op + " needs the frame to be claimed first (state " + state.get() + ")");
        }
    }

    @Override
    public String toString() {
        return "PooledFrame[#" + sequence + (format == null ? " encoded " + length + " bytes"
                : " " + format + " " + width + "x" + height) + "]";
    }
}
