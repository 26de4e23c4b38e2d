package io.github.streaminfer.media;

import io.github.streaminfer.image.PooledFrame;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

import static org.bytedeco.opencv.global.opencv_videoio.CAP_ANY;

/**
 * A video file read with OpenCV's {@code VideoCapture}. With the bundled linux-x86_64 natives OpenCV reads
 * Motion-JPEG AVI with its built-in reader (no FFmpeg); other codecs need an OpenCV build with FFmpeg or
 * GStreamer (see the module README).
 */
final class VideoFileSource extends CaptureSource {
    private final Path file;

    VideoFileSource(Path file, FrameSourceConfig config) {
        super(config);
        this.file = Objects.requireNonNull(file, "file");
    }

    @Override
    protected void openSource() {
        if (!Files.isRegularFile(file)) {
            throw new FrameSourceException(describe() + " does not exist or is not a file");
        }
        if (!Files.isReadable(file)) {
            throw new FrameSourceException(describe() + " is not readable");
        }
        super.openSource();
        if (!grab()) {
            throw new FrameSourceException(describe() + " opened but no frame could be decoded from it (empty, "
                    + "corrupt, or a codec this OpenCV build cannot decode)");
        }
        pending = true;
    }

    @Override
    boolean openCapture() {
        return capture.open(file.toAbsolutePath().toString(), CAP_ANY);
    }

    @Override
    String whyNotOpened() {
        return "not a video this OpenCV build can read (the bundled natives read Motion-JPEG AVI without FFmpeg)";
    }

    @Override
    protected int read(PooledFrame frame, long sequence) {
        if (!grab()) {
            return END;
        }
        return publish(frame, sequence);
    }

    @Override
    protected boolean rewind() {
        capture.release();
        return openCapture() && capture.isOpened();
    }

    @Override
    protected String describe() {
        return "video file " + file;
    }
}
