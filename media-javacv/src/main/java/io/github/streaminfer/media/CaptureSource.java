package io.github.streaminfer.media;

import io.github.streaminfer.exceptions.InvalidImageException;
import io.github.streaminfer.image.PixelFormat;
import io.github.streaminfer.image.PooledFrame;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_videoio.VideoCapture;

import java.nio.ByteBuffer;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;

/**
 * Reads BGR frames with OpenCV's {@code VideoCapture} into pooled {@link PooledFrame}s: the capture decodes into one
 * reused {@code Mat}, which is copied once into the frame's direct buffer (through a {@code Mat} header over that
 * buffer, created once per pool frame), so steady state allocates nothing.
 */
abstract class CaptureSource extends FrameSource {
    protected VideoCapture capture;
    protected Mat grabbed;
    protected boolean pending;
    private final ByteBuffer[] slotBuffers;
    private final Mat[] slotMats;
    private final BytePointer[] slotPointers;
    private int slotWidth;
    private int slotHeight;

    CaptureSource(FrameSourceConfig config) {
        super(config);
        slotBuffers = new ByteBuffer[config.poolSize()];
        slotMats = new Mat[config.poolSize()];
        slotPointers = new BytePointer[config.poolSize()];
    }

    /** Opens {@link #capture}; returns whether it opened. */
    abstract boolean openCapture();

    @Override
    protected void openSource() {
        OpenCv.ensureLoaded();
        capture = new VideoCapture();
        grabbed = new Mat();
        if (!openCapture() || !capture.isOpened()) {
            throw new FrameSourceException(describe() + " could not be opened: " + whyNotOpened());
        }
    }

    /** {@return the reason to give when the capture does not open} */
    abstract String whyNotOpened();

    /** Reads the next frame into {@link #grabbed}, or returns false. */
    boolean grab() {
        if (pending) {
            pending = false;
            return true;
        }
        return capture.read(grabbed) && !grabbed.empty();
    }

    /** Copies {@link #grabbed} into the frame and publishes it. */
    int publish(PooledFrame frame, long sequence) {
        int w = grabbed.cols();
        int h = grabbed.rows();
        if (grabbed.type() != CV_8UC3) {
            reportError(sequence, new InvalidImageException(describe() + " delivered a frame of OpenCV type "
                    + grabbed.type() + "; expected 8-bit BGR"));
            return SKIPPED;
        }
        if ((long) w * h > config.maxPixels()) {
            reportError(sequence, new InvalidImageException(describe() + " delivered a " + w + "x" + h
                    + " frame; allowed: at most " + config.maxPixels() + " pixels (FrameSourceConfig.maxPixels)"));
            return SKIPPED;
        }
        if (w != slotWidth || h != slotHeight) {
            releaseSlots();
            slotWidth = w;
            slotHeight = h;
        }
        ByteBuffer buffer = frame.ensureCapacity(w * h * 3);
        Mat target = slotFor(buffer, w, h);
        grabbed.copyTo(target);
        frame.publishPixels(PixelFormat.BGR, w, h, w * 3, sequence, System.nanoTime());
        return FRAME;
    }

    private Mat slotFor(ByteBuffer buffer, int w, int h) {
        int free = -1;
        for (int i = 0; i < slotBuffers.length; i++) {
            if (slotBuffers[i] == buffer) {
                return slotMats[i];
            }
            if (free < 0 && slotBuffers[i] == null) {
                free = i;
            }
        }
        if (free < 0) {
            releaseSlots(); // buffers were replaced by larger ones: start over
            free = 0;
        }
        slotBuffers[free] = buffer;
        slotPointers[free] = new BytePointer(buffer.duplicate().clear());
        slotMats[free] = new Mat(h, w, CV_8UC3, slotPointers[free]);
        return slotMats[free];
    }

    private void releaseSlots() {
        for (int i = 0; i < slotBuffers.length; i++) {
            if (slotMats[i] != null) {
                slotMats[i].close();
                slotPointers[i].close();
            }
            slotMats[i] = null;
            slotPointers[i] = null;
            slotBuffers[i] = null;
        }
    }

    @Override
    protected void closeSource() {
        releaseSlots();
        if (capture != null) {
            capture.release();
            capture.close();
            capture = null;
        }
        if (grabbed != null) {
            grabbed.close();
            grabbed = null;
        }
    }
}
