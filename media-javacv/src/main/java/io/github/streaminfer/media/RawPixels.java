package io.github.streaminfer.media;

import io.github.streaminfer.image.PixelFormat;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.opencv.opencv_core.Mat;

import java.nio.ByteBuffer;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC1;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;

/**
 * Presents raw pixels to OpenCV as a {@code Mat}: a header over the caller's direct buffer, or over a reused direct
 * copy of a heap buffer. The header is rebuilt only when the buffer, its position, the size, the row stride or the
 * format changes.
 *
 * <p><b>Note:</b> not thread-safe; owned by one {@link OpenCvImageDecoder}. The caller's direct buffer stays
 * referenced (so its memory stays reachable) until a call with another buffer or {@link #close()}.
 */
final class RawPixels implements AutoCloseable {
    private ByteBuffer owner;
    private ByteBuffer heapCopy;
    private int position = -1;
    private int width;
    private int height;
    private int stride;
    private PixelFormat format;
    private BytePointer pointer;
    private Mat mat;

    /**
     * {@return a {@code Mat} over the pixels}, valid until the next call: the caller's own memory for a direct
     * buffer; for a heap buffer, one copy into a reused direct buffer that OpenCV can address
     *
     * @param pixels      rows of pixels from the buffer's position
     * @param width       width in pixels
     * @param height      height in pixels
     * @param rowStride   bytes from one row's start to the next's
     * @param pixelFormat the pixels' format
     */
    Mat wrap(ByteBuffer pixels, int width, int height, int rowStride, PixelFormat pixelFormat) {
        if (pixels.isDirect()) {
            return wrapDirect(pixels, width, height, rowStride, pixelFormat);
        }
        int rowBytes = width * pixelFormat.channels();
        int need = rowBytes * height;
        if (heapCopy == null || heapCopy.capacity() < need) {
            release();
            heapCopy = ByteBuffer.allocateDirect(need);
        }
        int p = pixels.position();
        for (int y = 0; y < height; y++) {
            heapCopy.put(y * rowBytes, pixels, p + y * rowStride, rowBytes);
        }
        return wrapDirect(heapCopy.clear(), width, height, rowBytes, pixelFormat);
    }

    private Mat wrapDirect(ByteBuffer pixels, int w, int h, int rowStride, PixelFormat pixelFormat) {
        if (pixels != owner || pixels.position() != position || w != width || h != height
                || rowStride != stride || pixelFormat != format) {
            release();
            owner = pixels;
            position = pixels.position();
            width = w;
            height = h;
            stride = rowStride;
            format = pixelFormat;
            pointer = new BytePointer(pixels.duplicate().clear());
            pointer.position(position);
            mat = new Mat(h, w, pixelFormat == PixelFormat.GRAY ? CV_8UC1 : CV_8UC3, pointer, rowStride);
        }
        return mat;
    }

    private void release() {
        if (mat != null) {
            mat.close();
            pointer.close();
        }
        mat = null;
        pointer = null;
        owner = null;
        position = -1;
    }

    /** Frees the header and drops the copy buffer; the next {@link #wrap} starts afresh. */
    @Override
    public void close() {
        release();
        heapCopy = null;
    }
}
