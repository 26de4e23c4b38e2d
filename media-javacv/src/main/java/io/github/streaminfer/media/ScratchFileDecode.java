package io.github.streaminfer.media;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.opencv.opencv_core.Mat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imread;

/**
 * The zero-allocation decode path ({@link OpenCvDecoderConfig#scratchFileDecode()}): the encoded bytes go to a
 * {@link ScratchFile}, and {@code cv::imread} decodes them into a pixel buffer owned here, which allocates nothing
 * on the Java heap. The file is opened on first use; a failure to open it is remembered and not tried again.
 *
 * <p><b>Note:</b> not thread-safe; owned by one {@link OpenCvImageDecoder}.
 */
final class ScratchFileDecode implements AutoCloseable {
    /**
     * Bytes written over the start of the pixel buffer before each scratch-file decode; a decode writes every pixel,
     * so finding all of them afterwards means nothing was decoded. A real image whose first 16 pixels are exactly
     * these bytes would be refused as undecodable (a chance of 2^-384 for an image of 16 pixels or more).
     */
    private static final byte[] UNWRITTEN = new byte[48];

    static {
        for (int i = 0; i < UNWRITTEN.length; i++) {
            UNWRITTEN[i] = (byte) ((0x9E3779B97F4A7C15L * (i + 1)) >>> 56); // golden-ratio hash: no visible pattern
        }
    }

    private final Path directory;
    private ScratchFile scratch;
    private IOException failure;
    private BytePointer pixels;
    private ByteBuffer pixelsView;
    private Mat decoded;

    /**
     * Creates the path; opens nothing yet.
     *
     * @param directory where the scratch file goes
     */
    ScratchFileDecode(Path directory) {
        this.directory = directory;
    }

    /** {@return true if the scratch file is open, opening it on first use} */
    boolean ready() {
        if (scratch == null && failure == null) {
            try {
                scratch = ScratchFile.open(directory);
            } catch (IOException | RuntimeException e) {
                failure = e instanceof IOException io ? io : new IOException(e.toString(), e);
            }
        }
        return scratch != null;
    }

    /** {@return why the scratch file could not be opened, or null} */
    IOException failure() {
        return failure;
    }

    /**
     * Writes one image's bytes to the scratch file.
     *
     * @param encoded the bytes between position and limit; the position is not moved
     * @return false if the write failed and this frame must go through {@code cv::imdecode}
     */
    boolean write(ByteBuffer encoded) {
        try {
            scratch.write(encoded);
            return true;
        } catch (IOException e) {
            return false; // e.g. the memory file system is full: this frame goes through cv::imdecode
        }
    }

    /**
     * {@code cv::imread} of the scratch file into {@link #decoded}, a header over {@link #pixels} of exactly the
     * expected size and type: OpenCV then decodes into that memory instead of allocating. When the decoder fails
     * while reading pixels, OpenCV empties the header; when it fails on the header, it returns without touching the
     * destination at all, so a marker is written first and a decode that leaves it in place counts as failed.
     *
     * @param flags  the read flags ({@link JpegReduction#decodeFlags})
     * @param width  the width the image decodes to
     * @param height the height the image decodes to
     * @return the decoded image, or null if OpenCV could not decode it
     */
    Mat decode(int flags, int width, int height) {
        Mat dst = target(width, height);
        int marked = Math.min(UNWRITTEN.length, width * height * 3);
        pixelsView.put(0, UNWRITTEN, 0, marked);
        imread(scratch.path(), dst, flags);
        if (dst.empty()) {
            return null;
        }
        for (int i = 0; i < marked; i++) {
            if (pixelsView.get(i) != UNWRITTEN[i]) {
                return dst;
            }
        }
        return null;
    }

    private Mat target(int width, int height) {
        if (decoded != null && !decoded.empty() && decoded.cols() == width && decoded.rows() == height) {
            return decoded;
        }
        long need = (long) width * height * 3;
        if (pixels == null || pixels.capacity() < need) {
            releasePixels();
            pixels = new BytePointer(need);
            pixelsView = pixels.asByteBuffer();
        }
        if (decoded != null) {
            decoded.close();
        }
        decoded = new Mat(height, width, CV_8UC3, pixels);
        return decoded;
    }

    private void releasePixels() {
        if (decoded != null) {
            decoded.close();
            decoded = null;
        }
        if (pixels != null) {
            pixels.close();
            pixels = null;
            pixelsView = null;
        }
    }

    /** Frees the pixel buffer and closes the scratch file. */
    @Override
    public void close() {
        releasePixels();
        if (scratch != null) {
            scratch.close();
            scratch = null;
        }
    }
}
