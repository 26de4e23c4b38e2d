package io.github.streaminfer.image;

import io.github.streaminfer.exceptions.InvalidImageException;
import io.github.streaminfer.tensor.Tensor;

import java.nio.ByteBuffer;

/**
 * Decodes an encoded image (JPEG, PNG) and writes it, resized or letterboxed and normalised as an
 * {@link ImageSpec} says, straight into a tensor. Found with {@link java.util.ServiceLoader}; {@code ImageDecoders}
 * picks the best available one (OpenCV through {@code streaminfer-media-javacv} when it is on the path, else the
 * pure-Java decoder in core).
 *
 * <p><b>Note:</b> an instance may keep reusable native buffers; use {@link #newInstance()} to get one per thread
 * (per session worker). Instances are not thread-safe.
 *
 * @since 0.1.0
 */
public interface ImageDecoder extends AutoCloseable {

    /** {@return short identifier, e.g. {@code opencv} or {@code java}} */
    String id();

    /** {@return higher wins when several decoders are available} */
    int priority();

    /** {@return true if this decoder can run on this machine} */
    boolean isAvailable();

    /** {@return why it cannot, or null} */
    Throwable unavailabilityCause();

    /** {@return a fresh instance with its own buffers, for one thread} */
    ImageDecoder newInstance();

    /**
     * Reads the image header only (format, width, height), checking the encoded size limit.
     *
     * @param encoded   encoded bytes from position to limit (position is not changed)
     * @param spec      limits to check
     * @param dst       receives the source size ({@link ImageGeometry#sourceWidth()}, {@code sourceHeight()})
     * @return {@code dst}
     * @throws InvalidImageException if the bytes are not a supported image or exceed the limits
     */
    ImageGeometry probe(ByteBuffer encoded, ImageSpec spec, ImageGeometry dst);

    /**
     * Decodes, fits and normalises one image into {@code tensor} starting at element {@code elementOffset}
     * (image {@code n} of a batch starts at {@code n * spec.elementsPerImage()}).
     *
     * @param encoded       encoded bytes from position to limit (position is not changed)
     * @param spec          target size, layout, type, normalisation and limits
     * @param tensor        destination, FLOAT32 or UINT8 as the spec says
     * @param elementOffset first element to write
     * @param geometry      receives where the image landed
     * @return {@code geometry}
     * @throws InvalidImageException if the bytes are not a supported image, are corrupt, or exceed the limits;
     *                               checked before any allocation proportional to the image size
     */
    ImageGeometry decodeInto(ByteBuffer encoded, ImageSpec spec, Tensor tensor, long elementOffset,
                             ImageGeometry geometry);

    /**
     * Fits and normalises raw, already decoded 8-bit pixels (a camera or video frame) into {@code tensor}, exactly as
     * {@link #decodeInto} does after decoding.
     *
     * @param pixels        pixel bytes starting at the buffer's position (position is not changed); direct buffers
     *                      are read in place, heap buffers may be copied once
     * @param width         width in pixels
     * @param height        height in pixels
     * @param rowStride     bytes from one row to the next, at least {@code width * format.channels()}
     * @param format        pixel layout
     * @param spec          target size, layout, type and normalisation ({@link ImageSpec#maxPixels()} applies)
     * @param tensor        destination, FLOAT32 or UINT8 as the spec says
     * @param elementOffset first element to write
     * @param geometry      receives where the image landed
     * @return {@code geometry}
     * @throws InvalidImageException    if the size exceeds the limits
     * @throws IllegalArgumentException if the buffer is smaller than the size says, or the tensor does not fit
     */
    ImageGeometry fitInto(ByteBuffer pixels, int width, int height, int rowStride, PixelFormat format,
                          ImageSpec spec, Tensor tensor, long elementOffset, ImageGeometry geometry);

    /** Releases native buffers. Idempotent. */
    @Override
    void close();
}
