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
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.MatVector;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.bytedeco.opencv.opencv_core.Size;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import static org.bytedeco.opencv.global.opencv_core.CV_32F;
import static org.bytedeco.opencv.global.opencv_core.CV_32FC1;
import static org.bytedeco.opencv.global.opencv_core.CV_32FC3;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC1;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_core.split;
import static org.bytedeco.opencv.global.opencv_core.transform;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_COLOR;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_IGNORE_ORIENTATION;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_REDUCED_COLOR_2;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_REDUCED_COLOR_4;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_REDUCED_COLOR_8;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imdecode;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imread;
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

    private final OpenCvDecoderConfig config;
    private final Path scratchDirectory;
    private final ImageGeometry probeGeometry = new ImageGeometry();
    private boolean closed;

    // encoded input: a header over the caller's direct buffer, or over a reused native copy of a heap buffer
    private ByteBuffer encodedOwner;
    private BytePointer encodedPointer;
    private Mat encodedBase;
    private Mat encodedView;
    private int encodedLeft;
    private int encodedRight;
    private BytePointer heapCopy;
    private byte[] chunk;

    // raw pixel input
    private ByteBuffer rawOwner;
    private ByteBuffer rawHeapCopy;
    private int rawPosition = -1;
    private int rawWidth;
    private int rawHeight;
    private int rawStride;
    private PixelFormat rawFormat;
    private BytePointer rawPointer;
    private Mat rawMat;

    // the zero-allocation path: a scratch file that cv::imread decodes into pixels this decoder owns
    private ScratchFile scratch;
    private IOException scratchFailure;
    private boolean scratchUsed;
    private BytePointer filePixels;
    private ByteBuffer filePixelsView;
    private Mat fileDecoded;

    private Mat decoded;
    private Mat colour;
    private Mat resized;
    private Mat nhwcFloat;

    private final Target target = new Target();

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
                ? jpegReduction(w, h, ImageFit.contentWidth(spec, probeGeometry),
                ImageFit.contentHeight(spec, probeGeometry))
                : 1;
        int flags = decodeFlags(r);
        Mat image;
        scratchUsed = config.scratchFileDecode() && scratchReady() && writeScratch(encoded);
        try {
            image = scratchUsed ? decodeFile(flags, w / r, h / r) : decodeMemory(encoded, flags);
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
        return scratchFailure;
    }

    /**
     * {@code cv::imdecode} into {@link #decoded}. Failure shows in the returned {@code Mat} only: the destination
     * keeps the previous frame when the header is refused, and a partly decoded frame when the pixel data is.
     *
     * @return the decoded image, or null if OpenCV could not decode it
     */
    private Mat decodeMemory(ByteBuffer encoded, int flags) {
        Mat m = imdecode(wrapEncoded(encoded), flags, decoded);
        boolean ok = !m.empty();
        m.close();
        return ok ? decoded : null;
    }

    // ------------------------------------------------------------------------------------- scratch-file decoding

    /** Opens the scratch file on first use; remembers a failure and does not try again. */
    private boolean scratchReady() {
        if (scratch == null && scratchFailure == null) {
            try {
                scratch = ScratchFile.open(scratchDirectory);
            } catch (IOException | RuntimeException e) {
                scratchFailure = e instanceof IOException io ? io : new IOException(e.toString(), e);
            }
        }
        return scratch != null;
    }

    private boolean writeScratch(ByteBuffer encoded) {
        try {
            scratch.write(encoded);
            return true;
        } catch (IOException e) {
            return false; // e.g. the memory file system is full: this frame goes through cv::imdecode
        }
    }

    /**
     * {@code cv::imread} into {@link #fileDecoded}, a header over {@link #filePixels} of exactly the expected size
     * and type: OpenCV then decodes into that memory instead of allocating. When the decoder fails while reading
     * pixels, OpenCV empties the header; when it fails on the header, it returns without touching the
     * destination at all, so a marker is written first and a decode that leaves it in place counts as failed.
     *
     * @return the decoded image, or null if OpenCV could not decode it
     */
    private Mat decodeFile(int flags, int width, int height) {
        Mat dst = fileTarget(width, height);
        int marked = Math.min(UNWRITTEN.length, width * height * 3);
        filePixelsView.put(0, UNWRITTEN, 0, marked);
        imread(scratch.path(), dst, flags);
        if (dst.empty()) {
            return null;
        }
        for (int i = 0; i < marked; i++) {
            if (filePixelsView.get(i) != UNWRITTEN[i]) {
                return dst;
            }
        }
        return null;
    }

    private Mat fileTarget(int width, int height) {
        if (fileDecoded != null && !fileDecoded.empty() && fileDecoded.cols() == width
                && fileDecoded.rows() == height) {
            return fileDecoded;
        }
        long need = (long) width * height * 3;
        if (filePixels == null || filePixels.capacity() < need) {
            releaseFilePixels();
            filePixels = new BytePointer(need);
            filePixelsView = filePixels.asByteBuffer();
        }
        if (fileDecoded != null) {
            fileDecoded.close();
        }
        fileDecoded = new Mat(height, width, CV_8UC3, filePixels);
        return fileDecoded;
    }

    private void releaseFilePixels() {
        if (fileDecoded != null) {
            fileDecoded.close();
            fileDecoded = null;
        }
        if (filePixels != null) {
            filePixels.close();
            filePixels = null;
            filePixelsView = null;
        }
    }

    /**
     * The JPEG reduction for one image and target: the largest {@code r} of 8, 4 and 2 that divides both sides and
     * leaves the reduced image at least as large as the content it becomes, else 1. Dividing both sides keeps the
     * reduced pixel grid aligned with the original one (pixel {@code i} covers source pixels
     * {@code [i·r, (i+1)·r)}), so the full-size geometry stays exact.
     *
     * @param width         source width
     * @param height        source height
     * @param contentWidth  width of the image inside the target
     * @param contentHeight height of the image inside the target
     * @return 1, 2, 4 or 8
     */
    static int jpegReduction(int width, int height, int contentWidth, int contentHeight) {
        for (int r = 8; r > 1; r >>= 1) {
            if (width % r == 0 && height % r == 0 && width / r >= contentWidth && height / r >= contentHeight) {
                return r;
            }
        }
        return 1;
    }

    private static int decodeFlags(int reduction) {
        int scale = switch (reduction) {
            case 1 -> IMREAD_COLOR;
            case 2 -> IMREAD_REDUCED_COLOR_2;
            case 4 -> IMREAD_REDUCED_COLOR_4;
            case 8 -> IMREAD_REDUCED_COLOR_8;
            default -> throw new IllegalArgumentException("reduction " + reduction + "; allowed: 1, 2, 4, 8");
        };
        return scale | IMREAD_IGNORE_ORIENTATION;
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
        Mat src;
        if (pixels.isDirect()) {
            src = wrapRaw(pixels, width, height, rowStride, format);
        } else {
            // a heap array (e.g. a RawImage): one copy into a reused direct buffer that OpenCV can address
            int rowBytes = width * format.channels();
            int need = rowBytes * height;
            if (rawHeapCopy == null || rawHeapCopy.capacity() < need) {
                releaseRaw();
                rawHeapCopy = ByteBuffer.allocateDirect(need);
            }
            int p = pixels.position();
            for (int y = 0; y < height; y++) {
                rawHeapCopy.put(y * rowBytes, pixels, p + y * rowStride, rowBytes);
            }
            src = wrapRaw(rawHeapCopy.clear(), width, height, rowBytes, format);
        }
        if (format == PixelFormat.GRAY) {
            cvtColor(src, colour, COLOR_GRAY2BGR);
            src = colour;
        }
        fit(src, format == PixelFormat.RGB, spec, tensor, elementOffset, geometry.fit(spec, width, height));
        return geometry;
    }

    // ------------------------------------------------------------------------------------------- input wrapping

    private Mat wrapEncoded(ByteBuffer encoded) {
        int position = encoded.position();
        int limit = encoded.limit();
        if (encoded.isDirect()) {
            if (encoded != encodedOwner) {
                bindEncoded(encoded, new BytePointer(encoded.duplicate().clear()), encoded.capacity());
            }
            return viewEncoded(position, limit);
        }
        int n = limit - position;
        if (heapCopy == null || heapCopy.capacity() < n) {
            if (heapCopy != null) {
                releaseEncoded();
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
        if (encodedOwner != null || encodedPointer != heapCopy) {
            bindEncoded(null, heapCopy, (int) heapCopy.capacity());
        }
        return viewEncoded(0, n);
    }

    private void bindEncoded(ByteBuffer owner, BytePointer pointer, int capacity) {
        releaseEncoded();
        encodedOwner = owner;
        encodedPointer = pointer;
        encodedBase = new Mat(1, capacity, CV_8UC1, pointer);
        try (Rect all = new Rect(0, 0, capacity, 1)) {
            encodedView = new Mat(encodedBase, all);
        }
        encodedLeft = 0;
        encodedRight = capacity;
    }

    private Mat viewEncoded(int left, int right) {
        // move the ROI over the caller's bytes without creating a new header
        encodedView.adjustROI(0, 0, encodedLeft - left, right - encodedRight);
        encodedLeft = left;
        encodedRight = right;
        return encodedView;
    }

    private void releaseEncoded() {
        if (encodedView != null) {
            encodedView.close();
            encodedBase.close();
            if (encodedPointer != heapCopy) {
                encodedPointer.close();
            }
        }
        encodedView = null;
        encodedBase = null;
        encodedPointer = null;
        encodedOwner = null;
    }

    private Mat wrapRaw(ByteBuffer pixels, int width, int height, int stride, PixelFormat format) {
        if (pixels != rawOwner || pixels.position() != rawPosition || width != rawWidth || height != rawHeight
                || stride != rawStride || format != rawFormat) {
            releaseRaw();
            rawOwner = pixels;
            rawPosition = pixels.position();
            rawWidth = width;
            rawHeight = height;
            rawStride = stride;
            rawFormat = format;
            rawPointer = new BytePointer(pixels.duplicate().clear());
            rawPointer.position(rawPosition);
            rawMat = new Mat(height, width, format == PixelFormat.GRAY ? CV_8UC1 : CV_8UC3, rawPointer, stride);
        }
        return rawMat;
    }

    private void releaseRaw() {
        if (rawMat != null) {
            rawMat.close();
            rawPointer.close();
        }
        rawMat = null;
        rawPointer = null;
        rawOwner = null;
        rawPosition = -1;
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

    /**
     * Mats over one tensor region for one source size and spec, rebuilt only when one of them changes.
     */
    private static final class Target {
        ByteBuffer buffer;
        long elementOffset = -1;
        ImageSpec spec;
        int sw;
        int sh;
        boolean srcRgb;
        boolean swap;
        int cw;
        int ch;
        final int[] sourcePlane = new int[3];
        final double[] alpha = new double[3];
        final double[] beta = new double[3];
        BytePointer pointer;
        final Mat[] planes = new Mat[3];
        final Mat[] contentPlanes = new Mat[3];
        MatVector uint8Planes;
        final Mat[] planes8 = new Mat[3];
        MatVector splitVector;
        Size dsize;
        Mat transform;
        FloatPointer transformData;
        final List<Mat> padMats = new ArrayList<>();
        final List<Scalar> padValues = new ArrayList<>();

        boolean matches(ByteBuffer b, long off, ImageSpec s, int w, int h, int contentW, int contentH,
                        boolean rgb) {
            return b == buffer && off == elementOffset && w == sw && h == sh && contentW == cw && contentH == ch
                    && rgb == srcRgb && (s == spec || s.equals(spec));
        }

        void bind(ByteBuffer b, long off, ImageSpec s, int w, int h, int contentW, int contentH, boolean rgb) {
            release();
            buffer = b;
            elementOffset = off;
            spec = s;
            sw = w;
            sh = h;
            srcRgb = rgb;
            boolean wantRgb = s.channelOrder() == ImageSpec.ChannelOrder.RGB;
            swap = wantRgb != rgb;
            cw = contentW;
            ch = contentH;
            int tw = s.width();
            int th = s.height();
            int px = s.resize() == ImageSpec.ResizeMode.STRETCH ? 0 : (tw - cw) / 2;
            int py = s.resize() == ImageSpec.ResizeMode.STRETCH ? 0 : (th - ch) / 2;
            for (int c = 0; c < 3; c++) {
                // source planes are B,G,R (or R,G,B for an RGB source); tensor channel c takes plane 2-c if swapped
                sourcePlane[c] = swap ? 2 - c : c;
                alpha[c] = ImageFit.alpha(s, c);
                beta[c] = ImageFit.beta(s, c);
            }
            boolean f32 = s.dtype() == DType.FLOAT32;
            int es = s.dtype().byteSize();
            dsize = new Size(cw, ch);
            pointer = new BytePointer(b.duplicate().clear());
            long base = off * es;
            List<Rect> strips = new ArrayList<>();
            addStrip(strips, 0, 0, tw, py);
            addStrip(strips, 0, py + ch, tw, th - py - ch);
            addStrip(strips, 0, py, px, ch);
            addStrip(strips, px + cw, py, tw - px - cw, ch);
            Rect content = new Rect(px, py, cw, ch);
            if (s.layout() == ImageSpec.Layout.NCHW) {
                long plane = (long) tw * th * es;
                for (int c = 0; c < 3; c++) {
                    BytePointer p = new BytePointer(pointer).position(base + c * plane);
                    planes[c] = new Mat(th, tw, f32 ? CV_32FC1 : CV_8UC1, p);
                    contentPlanes[c] = new Mat(planes[c], content);
                    for (Rect r : strips) {
                        padMats.add(new Mat(planes[c], r));
                        padValues.add(new Scalar(f32 ? ImageFit.padValue(s, c) : ImageFit.padByte(s, c)));
                    }
                }
                if (f32) {
                    // split writes into these (same size and type, so it reuses their memory every frame)
                    splitVector = new MatVector(3);
                    for (int c = 0; c < 3; c++) {
                        planes8[c] = new Mat(ch, cw, CV_8UC1);
                        splitVector.put(c, planes8[c]);
                    }
                } else {
                    uint8Planes = new MatVector(3);
                    for (int c = 0; c < 3; c++) {
                        uint8Planes.put(sourcePlane[c], contentPlanes[c]);
                    }
                }
            } else {
                BytePointer p = new BytePointer(pointer).position(base);
                planes[0] = new Mat(th, tw, f32 ? CV_32FC3 : CV_8UC3, p);
                contentPlanes[0] = new Mat(planes[0], content);
                for (Rect r : strips) {
                    padMats.add(new Mat(planes[0], r));
                    padValues.add(f32
                            ? new Scalar(ImageFit.padValue(s, 0), ImageFit.padValue(s, 1), ImageFit.padValue(s, 2), 0)
                            : new Scalar(ImageFit.padByte(s, 0), ImageFit.padByte(s, 1), ImageFit.padByte(s, 2), 0));
                }
                if (f32) {
                    // out[c] = alpha[c] * in[sourcePlane[c]] + beta[c]: reorder and normalise in one pass
                    float[] m = new float[12];
                    for (int c = 0; c < 3; c++) {
                        m[c * 4 + sourcePlane[c]] = (float) alpha[c];
                        m[c * 4 + 3] = (float) beta[c];
                    }
                    transformData = new FloatPointer(m);
                    transform = new Mat(3, 4, CV_32FC1, transformData);
                }
            }
            content.close();
            for (Rect r : strips) {
                r.close();
            }
        }

        private static void addStrip(List<Rect> strips, int x, int y, int w, int h) {
            if (w > 0 && h > 0) {
                strips.add(new Rect(x, y, w, h));
            }
        }

        void pad() {
            for (int i = 0, n = padMats.size(); i < n; i++) {
                padMats.get(i).put(padValues.get(i));
            }
        }

        void release() {
            for (Mat m : padMats) {
                m.close();
            }
            for (Scalar v : padValues) {
                v.close();
            }
            padMats.clear();
            padValues.clear();
            for (int c = 0; c < 3; c++) {
                if (contentPlanes[c] != null) {
                    contentPlanes[c].close();
                    contentPlanes[c] = null;
                }
                if (planes[c] != null) {
                    planes[c].close();
                    planes[c] = null;
                }
            }
            if (uint8Planes != null) {
                uint8Planes.close();
                uint8Planes = null;
            }
            if (splitVector != null) {
                splitVector.close();
                splitVector = null;
                for (int c = 0; c < 3; c++) {
                    planes8[c].close();
                    planes8[c] = null;
                }
            }
            if (dsize != null) {
                dsize.close();
                dsize = null;
            }
            if (transform != null) {
                transform.close();
                transformData.close();
                transform = null;
                transformData = null;
            }
            if (pointer != null) {
                pointer.close();
                pointer = null;
            }
            buffer = null;
            spec = null;
            elementOffset = -1;
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
        releaseEncoded();
        releaseRaw();
        releaseFilePixels();
        if (scratch != null) {
            scratch.close();
            scratch = null;
        }
        rawHeapCopy = null;
        if (heapCopy != null) {
            heapCopy.close();
            heapCopy = null;
        }
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
