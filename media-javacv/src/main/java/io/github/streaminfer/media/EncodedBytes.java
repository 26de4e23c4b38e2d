package io.github.streaminfer.media;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;

import java.nio.ByteBuffer;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC1;

/**
 * Presents encoded image bytes to {@code cv::imdecode} as a one-row {@code Mat}: a header over the caller's direct
 * buffer, or over a reused native copy of a heap buffer. The header is kept and its region of interest moved over
 * each call's bytes, so a caller that keeps passing the same buffer costs no new header.
 *
 * <p><b>Note:</b> not thread-safe; owned by one {@link OpenCvImageDecoder}. The caller's direct buffer stays
 * referenced (so its memory stays reachable) until a call with another buffer or {@link #close()}.
 */
final class EncodedBytes implements AutoCloseable {
    private ByteBuffer owner;
    private BytePointer pointer;
    private Mat base;
    private Mat view;
    private int left;
    private int right;
    private BytePointer heapCopy;
    private byte[] chunk;

    /**
     * {@return a {@code Mat} over the bytes between {@code encoded}'s position and limit}, valid until the next
     * call; the buffer's position is not moved
     *
     * @param encoded the encoded image
     */
    Mat wrap(ByteBuffer encoded) {
        int position = encoded.position();
        int limit = encoded.limit();
        if (encoded.isDirect()) {
            if (encoded != owner) {
                bind(encoded, new BytePointer(encoded.duplicate().clear()), encoded.capacity());
            }
            return view(position, limit);
        }
        int n = limit - position;
        if (heapCopy == null || heapCopy.capacity() < n) {
            if (heapCopy != null) {
                release();
                heapCopy.close();
            }
            heapCopy = new BytePointer(Math.max(n, 64 * 1024));
        }
        if (encoded.hasArray()) {
            heapCopy.position(0).put(encoded.array(), encoded.arrayOffset() + position, n);
        } else {
            if (chunk == null) {
                chunk = new byte[16 * 1024];
            }
            for (int done = 0; done < n; ) {
                int k = Math.min(chunk.length, n - done);
                encoded.get(position + done, chunk, 0, k);
                heapCopy.position(done).put(chunk, 0, k);
                done += k;
            }
        }
        heapCopy.position(0);
        if (owner != null || pointer != heapCopy) {
            bind(null, heapCopy, (int) heapCopy.capacity());
        }
        return view(0, n);
    }

    private void bind(ByteBuffer newOwner, BytePointer newPointer, int capacity) {
        release();
        owner = newOwner;
        pointer = newPointer;
        base = new Mat(1, capacity, CV_8UC1, newPointer);
        try (Rect all = new Rect(0, 0, capacity, 1)) {
            view = new Mat(base, all);
        }
        left = 0;
        right = capacity;
    }

    private Mat view(int newLeft, int newRight) {
        // move the ROI over the caller's bytes without creating a new header
        view.adjustROI(0, 0, left - newLeft, newRight - right);
        left = newLeft;
        right = newRight;
        return view;
    }

    private void release() {
        if (view != null) {
            view.close();
            base.close();
            if (pointer != heapCopy) {
                pointer.close();
            }
        }
        view = null;
        base = null;
        pointer = null;
        owner = null;
    }

    /** Frees the headers and the native copy; the next {@link #wrap} starts afresh. */
    @Override
    public void close() {
        release();
        if (heapCopy != null) {
            heapCopy.close();
            heapCopy = null;
        }
    }
}
