package io.github.streaminfer.media;

import io.github.streaminfer.exceptions.InvalidImageException;
import io.github.streaminfer.image.ImageDecoder;
import io.github.streaminfer.image.ImageFit;
import io.github.streaminfer.image.ImageGeometry;
import io.github.streaminfer.image.ImageHeaders;
import io.github.streaminfer.image.ImageSpec;
import io.github.streaminfer.image.PixelFormat;
import io.github.streaminfer.image.UnscaledFit;
import io.github.streaminfer.tensor.DType;
import io.github.streaminfer.tensor.Tensor;
import org.bytedeco.opencv.opencv_core.Mat;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Objects;

import static org.bytedeco.opencv.global.opencv_core.CV_32F;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_core.split;
import static org.bytedeco.opencv.global.opencv_core.transform;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imdecode;
import static org.bytedeco.opencv.global.opencv_imgproc.COLOR_BGR2RGB;
import static org.bytedeco.opencv.global.opencv_imgproc.COLOR_GRAY2BGR;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_LINEAR;
import static org.bytedeco.opencv.global.opencv_imgproc.cvtColor;
import static org.bytedeco.opencv.global.opencv_imgproc.resize;

/**
 * The fast image path: OpenCV (through JavaCPP) decodes, resizes, letterboxes, reorders and normalises, and
 * writes straight into the session's input tensor. Preferred over the pure-Java decoder when this module is on the
 * path ({@link #PRIORITY} {@value #PRIORITY}).
 *
 * <p><b>Memory.</b> By default ({@link OpenCvDecoderConfig#scratchFileDecode()}) the encoded bytes are written to
 * a private, unlinked file in {@code /dev/shm} and decoded by {@code cv::imread} into a pixel buffer this decoder
 * owns, which allocates nothing on the Java heap. Otherwise, or where that file cannot be made, {@code cv::imdecode}
 * reads them in place (a {@code Mat} header over a direct buffer; a heap buffer is copied once into a reused native
 * buffer) and the {@code Mat} its binding returns by value costs 144 bytes of Java heap per frame (closed at once).
 * The destination tensor's memory is wrapped as {@code Mat}s (one plane per channel for NCHW, one interleaved
 * image for NHWC) so that {@code split}, {@code convertTo}, {@code transform} and {@code setTo} write into it
 * directly. Every intermediate {@code Mat} is kept in a field and reused while the source size, the tensor buffer
 * and the spec stay the same, and all of them are released by {@link #close()}; the decoded pixels reuse the same
 * buffer. Inside one decode the codec library allocates its own working memory, as it does for any caller. Raw
 * pixels in a heap array that already have the target's size never reach OpenCV: {@link UnscaledFit} writes them
 * into the tensor in one Java pass, which is cheaper than the copy into native memory alone.
 *
 * <p><b>Semantics</b> (shared with {@link io.github.streaminfer.image.JavaImageDecoder}, so with
 * {@link OpenCvDecoderConfig#EXACT} both agree within one grey level): headers and limits checked first by
 * {@link ImageHeaders#probe}; decoded as 8-bit BGR without applying EXIF orientation
 * ({@code IMREAD_IGNORE_ORIENTATION}); resized with {@code INTER_LINEAR} (also when shrinking; {@code INTER_AREA}
 * would look smoother but the Java path does not implement it); padding and normalisation as {@link ImageFit}
 * defines.
 *
 * <p><b>Reduced JPEG decoding</b> ({@link OpenCvDecoderConfig#reducedJpegDecode()}, on by default): when the
 * target is at least two times smaller than the JPEG, libjpeg decodes it at 1/2, 1/4 or 1/8 scale straight from the
 * DCT coefficients, which skips most of the inverse DCT, upsampling and colour conversion work and averages each
 * block instead of sampling it; the bilinear resize then only covers the remaining factor (none at all for, e.g.,
 * 1280 × 720 letterboxed into 640 × 640). The geometry written to {@link ImageGeometry} is always that of the
 * full-size image, so detections map back to original pixels the same way in both modes.
 *
 * <p><b>Note:</b> not thread-safe; one instance per thread ({@link #newInstance()}). The tensor and any wrapped
 * buffer are referenced by the decoder (so their memory stays reachable) until the next call with other buffers
 * or {@link #close()}.
 *
 * @since 0.1.0
 */
public final class OpenCvImageDecoder implements ImageDecoder {
    /** The identifier of this decoder. */
    public static final String ID = "opencv";
    /** Priority: above the pure-Java decoder. */
    public static final int PRIORITY = 100;

    private final OpenCvDecoderConfig config;
    private final Path scratchDirectory;
    private final ImageGeometry probeGeometry = new ImageGeometry();
    private final EncodedBytes encodedInput = new EncodedBytes();
    private final RawPixels rawInput = new RawPixels();
    private final ScratchFileDecode scratch;
    private final TensorTarget target = new TensorTarget();
    private boolean closed;
    private boolean scratchUsed;

    private Mat decoded;
    private Mat colour;
    private Mat resized;
    private Mat nhwcFloat;

    /**
     * Creates a decoder with {@link OpenCvDecoderConfig#DEFAULT} (reduced JPEG decoding on), as
     * {@link java.util.ServiceLoader} and {@link io.github.streaminfer.image.ImageDecoders#best()} do. Cheap: native
     * buffers are created on first use; {@link #isAvailable()} says whether OpenCV loads here.
     */
    public OpenCvImageDecoder() {
        this(OpenCvDecoderConfig.DEFAULT);
    }

    /**
     * Creates a decoder with the given trade-offs, e.g. {@link OpenCvDecoderConfig#EXACT} to get the same tensor as
     * the pure-Java decoder. Pass it (or its {@link #newInstance()}s) to a task's {@code decoder(...)} builder
     * method.
     *
     * @param config how to decode
     */
    public OpenCvImageDecoder(OpenCvDecoderConfig config) {
        this(config, ScratchFile.DIRECTORY);
    }

    /** With the scratch file in another directory (tests: one that cannot hold it). */
    OpenCvImageDecoder(OpenCvDecoderConfig config, Path scratchDirectory) {
        this.config = Objects.requireNonNull(config, "config");
        this.scratchDirectory = Objects.requireNonNull(scratchDirectory, "scratchDirectory");
        this.scratch = new ScratchFileDecode(scratchDirectory);
    }

    /** {@return how this decoder decodes} */
    public OpenCvDecoderConfig config() {
        return config;
    }

    @Override
    public String id() {
        return ID;
    }

    @Override
    public int priority() {
        return PRIORITY;
    }

    @Override
    public boolean isAvailable() {
        return OpenCv.loadFailure() == null;
    }

    @Override
    public Throwable unavailabilityCause() {
        return OpenCv.loadFailure();
    }

    @Override
    public ImageDecoder newInstance() {
        OpenCv.ensureLoaded();
        return new OpenCvImageDecoder(config, scratchDirectory);
    }

    @Override
    public ImageGeometry probe(ByteBuffer encoded, ImageSpec spec, ImageGeometry dst) {
        ensureOpen(false);
        ImageHeaders.probe(encoded, spec, dst);
        return dst;
    }

    @Override
    public ImageGeometry decodeInto(ByteBuffer encoded, ImageSpec spec, Tensor tensor, long elementOffset,
                                    ImageGeometry geometry) {
        ensureOpen(true);
        ImageFit.checkTarget(spec, tensor, elementOffset);
        ImageHeaders.Format format = ImageHeaders.probe(encoded, spec, probeGeometry);
        int w = probeGeometry.sourceWidth();
        int h = probeGeometry.sourceHeight();
        probeGeometry.fit(spec, w, h);
        int r = format == ImageHeaders.Format.JPEG && config.reducedJpegDecode()
                ? JpegReduction.factor(w, h, ImageFit.contentWidth(spec, probeGeometry),
                ImageFit.contentHeight(spec, probeGeometry))
                : 1;
        int flags = JpegReduction.decodeFlags(r);
        Mat image;
        scratchUsed = config.scratchFileDecode() && scratch.ready() && scratch.write(encoded);
        try {
            image = scratchUsed ? scratch.decode(flags, w / r, h / r) : decodeMemory(encoded, flags);
        } catch (RuntimeException e) {
            InvalidImageException ie = new InvalidImageException("corrupt " + format + " image ("
                    + encoded.remaining() + " bytes): " + e.getMessage());
            ie.initCause(e);
            throw ie;
        }
        if (image == null) {
            throw new InvalidImageException("corrupt " + format + " image (" + encoded.remaining()
                    + " bytes): OpenCV could not decode it");
        }
        if (image.cols() != w / r || image.rows() != h / r || image.type() != CV_8UC3) {
            throw new InvalidImageException(format + " header says " + w + "x" + h + " but the image decodes to "
                    + image.cols() + "x" + image.rows() + (r == 1 ? "" : " at 1/" + r + " scale"));
        }
        fit(image, false, spec, tensor, elementOffset, geometry.fit(spec, w, h));
        return geometry;
    }

    /**
     * {@return true if the last {@link #decodeInto} call handed its bytes to OpenCV through the scratch file, with
     *         no Java heap allocation ({@link OpenCvDecoderConfig#scratchFileDecode()}); false if it used
     *         {@code cv::imdecode} (scratch file off or unavailable, a failed write, or no call yet)}
     *
     */
    public boolean scratchFileInUse() {
        return scratchUsed;
    }

    /**
     * {@return why this decoder could not open its scratch file and decodes with {@code cv::imdecode} instead, or
     *         null (opened, not needed yet, or off)}
     *
     */
    public Throwable scratchFileUnavailabilityCause() {
        return scratch.failure();
    }

    /**
     * {@code cv::imdecode} into {@link #decoded}. Failure shows in the returned {@code Mat} only: the destination
     * keeps the previous frame when the header is refused, and a partly decoded frame when the pixel data is.
     *
     * @return the decoded image, or null if OpenCV could not decode it
     */
    private Mat decodeMemory(ByteBuffer encoded, int flags) {
        Mat m = imdecode(encodedInput.wrap(encoded), flags, decoded);
        boolean ok = !m.empty();
        m.close();
        return ok ? decoded : null;
    }

    @Override
    public ImageGeometry fitInto(ByteBuffer pixels, int width, int height, int rowStride, PixelFormat format,
                                 ImageSpec spec, Tensor tensor, long elementOffset, ImageGeometry geometry) {
        if (pixels.hasArray() && UnscaledFit.applies(spec, width, height)) {
            // a heap array at the target size: one Java pass into the tensor beats copying it to native memory
            ensureOpen(false);
            return UnscaledFit.write(pixels.array(), pixels.arrayOffset() + pixels.position(), width, height,
                    rowStride, format, spec, tensor, elementOffset, geometry);
        }
        ensureOpen(true);
        ImageFit.checkPixels(pixels, width, height, rowStride, format, spec);
        ImageFit.checkTarget(spec, tensor, elementOffset);
        Mat src = rawInput.wrap(pixels, width, height, rowStride, format);
        if (format == PixelFormat.GRAY) {
            cvtColor(src, colour, COLOR_GRAY2BGR);
            src = colour;
        }
        fit(src, format == PixelFormat.RGB, spec, tensor, elementOffset, geometry.fit(spec, width, height));
        return geometry;
    }

    // ----------------------------------------------------------------------------------------------- fit + write

    /**
     * Resizes {@code src} to the content size that {@code geometry} (already fitted to the full-size source) gives,
     * pads, reorders and normalises into the tensor. {@code src} is the full-size image or a reduced decode of it.
     */
    private void fit(Mat src, boolean srcRgb, ImageSpec spec, Tensor tensor, long elementOffset,
                     ImageGeometry geometry) {
        int sw = src.cols();
        int sh = src.rows();
        int cw = ImageFit.contentWidth(spec, geometry);
        int ch = ImageFit.contentHeight(spec, geometry);
        ByteBuffer buffer = tensor.buffer();
        if (!target.matches(buffer, elementOffset, spec, sw, sh, cw, ch, srcRgb)) {
            target.bind(buffer, elementOffset, spec, sw, sh, cw, ch, srcRgb);
        }
        Mat content = src;
        if (target.cw != sw || target.ch != sh) {
            resize(src, resized, target.dsize, 0, 0, INTER_LINEAR);
            content = resized;
        }
        target.pad();
        boolean f32 = spec.dtype() == DType.FLOAT32;
        if (spec.layout() == ImageSpec.Layout.NCHW) {
            if (f32) {
                split(content, target.splitVector);
                for (int c = 0; c < 3; c++) {
                    target.planes8[target.sourcePlane[c]].convertTo(target.contentPlanes[c], CV_32F,
                            target.alpha[c], target.beta[c]);
                }
            } else {
                // the vector holds the tensor's plane ROIs in source order: split writes straight into them
                split(content, target.uint8Planes);
            }
        } else if (f32) {
            content.convertTo(nhwcFloat, CV_32F);
            transform(nhwcFloat, target.contentPlanes[0], target.transform);
        } else if (target.swap) {
            cvtColor(content, target.contentPlanes[0], COLOR_BGR2RGB);
        } else {
            content.copyTo(target.contentPlanes[0]);
        }
    }

    private void ensureOpen(boolean needsNative) {
        if (closed) {
            throw new IllegalStateException("image decoder '" + ID + "' is closed");
        }
        if (needsNative && decoded == null) {
            OpenCv.ensureLoaded();
            decoded = new Mat();
            colour = new Mat();
            resized = new Mat();
            nhwcFloat = new Mat();
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        target.release();
        encodedInput.close();
        rawInput.close();
        scratch.close();
        if (decoded != null) {
            decoded.close();
            colour.close();
            resized.close();
            nhwcFloat.close();
            decoded = null;
        }
    }

    @Override
    public String toString() {
        return "OpenCvImageDecoder";
    }
}
