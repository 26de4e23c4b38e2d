package io.github.streaminfer.media;

import io.github.streaminfer.image.PooledFrame;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.bytedeco.opencv.global.opencv_videoio.CAP_ANY;

/** A camera read with OpenCV's {@code VideoCapture} (V4L2 on Linux), at the camera's own rate. */
final class CameraSource extends CaptureSource {
    private static final int MAX_CONSECUTIVE_FAILURES = 10;
    private final int index;
    private int failures;

    CameraSource(int index, FrameSourceConfig config) {
        super(config);
        if (index < 0) {
            throw new IllegalArgumentException("camera index is " + index + "; allowed: >= 0");
        }
        this.index = index;
    }

    @Override
    boolean openCapture() {
        return capture.open(index, CAP_ANY);
    }

    @Override
    String whyNotOpened() {
        Path device = Path.of("/dev/video" + index);
        return "no camera answered (OpenCV VideoCapture on index " + index + "; " + device
                + (Files.exists(device) ? " exists but is busy or not a capture device)" : " does not exist)");
    }

    @Override
    protected int read(PooledFrame frame, long sequence) {
        if (!grab()) {
            if (++failures >= MAX_CONSECUTIVE_FAILURES) {
                throw new FrameSourceException(describe() + " stopped delivering frames (" + failures
                        + " reads in a row failed)");
            }
            return SKIPPED;
        }
        failures = 0;
        return publish(frame, sequence);
    }

    @Override
    protected boolean rewind() {
        return false;
    }

    @Override
    protected boolean isLive() {
        return true;
    }

    @Override
    protected String describe() {
        return "camera " + index;
    }
}
