package io.github.streaminfer.media;

import io.github.streaminfer.testkit.TestImages;

import io.github.streaminfer.exceptions.InvalidImageException;
import io.github.streaminfer.image.ImageDecoder;
import io.github.streaminfer.image.ImageDecoders;
import io.github.streaminfer.image.ImageFit;
import io.github.streaminfer.image.ImageGeometry;
import io.github.streaminfer.image.ImageSpec;
import io.github.streaminfer.image.JavaImageDecoder;
import io.github.streaminfer.image.PixelFormat;
import io.github.streaminfer.tensor.DType;
import io.github.streaminfer.tensor.Tensor;
import io.github.streaminfer.tensor.TensorSpec;
import org.bytedeco.javacpp.Pointer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.awt.image.BufferedImage;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class OpenCvImageDecoderTest {
    /** Exact mode: decodes every image at full size, as the Java decoder does. */
    private final OpenCvImageDecoder cv = new OpenCvImageDecoder(OpenCvDecoderConfig.EXACT);
    /** The default configuration: reduced JPEG decoding. */
    private final OpenCvImageDecoder fast = new OpenCvImageDecoder();
    private final JavaImageDecoder java = new JavaImageDecoder();
    private final ImageGeometry gc = new ImageGeometry();
    private final ImageGeometry gj = new ImageGeometry();

    @AfterEach
    void close() {
        cv.close();
        fast.close();
        java.close();
    }

    static Tensor tensor(ImageSpec spec) {
        long[] shape = spec.layout() == ImageSpec.Layout.NCHW ? new long[]{1, 3, spec.height(), spec.width()}
                : new long[]{1, spec.height(), spec.width(), 3};
        return Tensor.allocate(TensorSpec.of("image", spec.dtype(), shape));
    }

    /** @return the largest difference in grey levels (units of one 0..255 step) between the two tensors */
    static double maxLevelDiff(Tensor a, Tensor b, ImageSpec spec) {
        double max = 0;
        long n = a.elementCount();
        long plane = (long) spec.width() * spec.height();
        for (long i = 0; i < n; i++) {
            int c = (int) (spec.layout() == ImageSpec.Layout.NCHW ? i / plane : i % 3);
            double d;
            if (spec.dtype() == DType.UINT8) {
                d = Math.abs((a.buffer().get((int) i) & 0xFF) - (b.buffer().get((int) i) & 0xFF));
            } else {
                d = Math.abs(a.getFloat(i) - b.getFloat(i)) / ImageFit.alpha(spec, c);
            }
            max = Math.max(max, d);
        }
        return max;
    }

    private double compare(ByteBuffer encoded, ImageSpec spec) {
        Tensor tc = tensor(spec);
        Tensor tj = tensor(spec);
        cv.decodeInto(encoded, spec, tc, 0, gc);
        java.decodeInto(encoded, spec, tj, 0, gj);
        assertThat(gc.toString()).isEqualTo(gj.toString());
        return maxLevelDiff(tc, tj, spec);
    }

    @Test
    void isFoundAsTheBestDecoder() {
        try (ImageDecoder best = ImageDecoders.best()) {
            assertThat(best).isInstanceOf(OpenCvImageDecoder.class);
        }
        assertThat(cv.isAvailable()).isTrue();
        assertThat(cv.unavailabilityCause()).isNull();
    }

    @Test
    void matchesThePureJavaPathWithinOneLevel() {
        int[][] sizes = {{32, 32}, {100, 60}, {640, 480}, {1280, 720}, {1920, 1080}};
        ImageSpec[] specs = {
                ImageSpec.builder(640, 640).resize(ImageSpec.ResizeMode.LETTERBOX).build(),
                ImageSpec.builder(96, 96).build(),
                ImageSpec.builder(224, 160).layout(ImageSpec.Layout.NHWC).channelOrder(ImageSpec.ChannelOrder.BGR)
                        .normalize(new float[]{0.485f, 0.456f, 0.406f}, new float[]{0.229f, 0.224f, 0.225f}).build(),
                ImageSpec.builder(192, 48).resize(ImageSpec.ResizeMode.LETTERBOX).dtype(DType.UINT8).build(),
                ImageSpec.builder(64, 80).resize(ImageSpec.ResizeMode.LETTERBOX).layout(ImageSpec.Layout.NHWC)
                        .dtype(DType.UINT8).padColor(0xFF0000).build(),
        };
        double worst = 0;
        for (int[] s : sizes) {
            for (boolean grey : new boolean[]{false, true}) {
                BufferedImage img = TestImages.scene(s[0], s[1], grey);
                ByteBuffer jpeg = TestImages.direct(TestImages.jpeg(img, 0.9f));
                ByteBuffer png = TestImages.direct(TestImages.png(img));
                for (ImageSpec spec : specs) {
                    double dj = compare(jpeg, spec);
                    double dp = compare(png, spec);
                    assertThat(dj).as("JPEG %dx%d grey=%s -> %s", s[0], s[1], grey, spec).isLessThanOrEqualTo(1.001);
                    assertThat(dp).as("PNG %dx%d grey=%s -> %s", s[0], s[1], grey, spec).isLessThanOrEqualTo(1.001);
                    worst = Math.max(worst, Math.max(dj, dp));
                }
            }
        }
        System.out.println("worst OpenCV vs Java difference: " + worst + " grey levels");
    }

    @Test
    void palette16BitAndAlphaPngsMatchToo() {
        BufferedImage scene = TestImages.scene(120, 90, false);
        int[] types = {BufferedImage.TYPE_BYTE_INDEXED, BufferedImage.TYPE_USHORT_GRAY, BufferedImage.TYPE_INT_ARGB,
                BufferedImage.TYPE_BYTE_BINARY};
        ImageSpec spec = ImageSpec.builder(64, 64).resize(ImageSpec.ResizeMode.LETTERBOX).build();
        for (int type : types) {
            BufferedImage img = new BufferedImage(120, 90, type);
            java.awt.Graphics2D gr = img.createGraphics();
            gr.drawImage(scene, 0, 0, null);
            gr.dispose();
            double d = compare(TestImages.direct(TestImages.png(img)), spec);
            System.out.println("PNG type " + type + ": max difference " + d + " grey levels");
            assertThat(d).as("PNG BufferedImage type %d", type).isLessThanOrEqualTo(1.001);
        }
    }

    @Test
    void rawFramesMatchToo() {
        BufferedImage img = TestImages.scene(320, 240, false);
        int stride = 320 * 3 + 8;
        ByteBuffer bgr = ByteBuffer.allocateDirect(stride * 240 + 16);
        bgr.position(16);
        for (int y = 0; y < 240; y++) {
            for (int x = 0; x < 320; x++) {
                int rgb = img.getRGB(x, y);
                int i = 16 + y * stride + x * 3;
                bgr.put(i, (byte) rgb).put(i + 1, (byte) (rgb >> 8)).put(i + 2, (byte) (rgb >> 16));
            }
        }
        for (ImageSpec spec : new ImageSpec[]{ImageSpec.builder(96, 96).build(),
                ImageSpec.builder(128, 128).resize(ImageSpec.ResizeMode.LETTERBOX).layout(ImageSpec.Layout.NHWC).build()}) {
            Tensor tc = tensor(spec);
            Tensor tj = tensor(spec);
            cv.fitInto(bgr, 320, 240, stride, PixelFormat.BGR, spec, tc, 0, gc);
            java.fitInto(bgr, 320, 240, stride, PixelFormat.BGR, spec, tj, 0, gj);
            assertThat(maxLevelDiff(tc, tj, spec)).isLessThanOrEqualTo(1.001);
            // and the same pixels as an RGB frame give the same tensor once the channel meaning is swapped
            ByteBuffer rgbBuf = ByteBuffer.allocateDirect(bgr.capacity());
            for (int y = 0; y < 240; y++) {
                for (int x = 0; x < 320; x++) {
                    int i = 16 + y * stride + x * 3;
                    rgbBuf.put(i, bgr.get(i + 2)).put(i + 1, bgr.get(i + 1)).put(i + 2, bgr.get(i));
                }
            }
            rgbBuf.position(16);
            Tensor tr = tensor(spec);
            cv.fitInto(rgbBuf, 320, 240, stride, PixelFormat.RGB, spec, tr, 0, gc);
            assertThat(maxLevelDiff(tr, tc, spec)).isZero();
        }
    }

    @Test
    void targetSizeRawFramesSkipOpenCvAndMatchThePureJavaPath() {
        // openpi's case: a uint8 camera array that already has the model's size
        byte[] px = new byte[96 * 96 * 3];
        new Random(3).nextBytes(px);
        ByteBuffer direct = ByteBuffer.allocateDirect(px.length).put(px).clear();
        for (ImageSpec spec : new ImageSpec[]{ImageSpec.builder(96, 96).build(),
                ImageSpec.builder(96, 96).layout(ImageSpec.Layout.NHWC).channelOrder(ImageSpec.ChannelOrder.BGR)
                        .build(),
                ImageSpec.builder(96, 96).dtype(DType.UINT8).build()}) {
            Tensor heapCv = tensor(spec);
            Tensor nativeCv = tensor(spec);
            Tensor pureJava = tensor(spec);
            cv.fitInto(ByteBuffer.wrap(px), 96, 96, 288, PixelFormat.RGB, spec, heapCv, 0, gc);
            java.fitInto(direct, 96, 96, 288, PixelFormat.RGB, spec, pureJava, 0, gj); // the general Java path
            assertThat(gc.toString()).isEqualTo(gj.toString());
            assertThat(maxLevelDiff(heapCv, pureJava, spec)).isZero();
            // a direct buffer still goes through OpenCV, without a resize: within one grey level as for JPEG
            cv.fitInto(direct, 96, 96, 288, PixelFormat.RGB, spec, nativeCv, 0, gc);
            assertThat(maxLevelDiff(nativeCv, pureJava, spec)).isLessThanOrEqualTo(1.001);
        }
    }

    @Test
    void rawFramesThatNeedAResizeStillMatchThePureJavaPath() {
        byte[] px = new byte[224 * 168 * 3];
        Random rnd = new Random(5);
        for (int i = 0; i < px.length; i++) {
            px[i] = (byte) (128 + 60 * Math.sin(i / 97.0) + rnd.nextInt(9)); // smooth, like a camera image
        }
        ImageSpec spec = ImageSpec.builder(96, 96).build();
        Tensor tc = tensor(spec);
        Tensor tj = tensor(spec);
        cv.fitInto(ByteBuffer.wrap(px), 224, 168, 224 * 3, PixelFormat.RGB, spec, tc, 0, gc);
        java.fitInto(ByteBuffer.wrap(px), 224, 168, 224 * 3, PixelFormat.RGB, spec, tj, 0, gj);
        assertThat(maxLevelDiff(tc, tj, spec)).isLessThanOrEqualTo(1.001);
    }

    @Test
    void heapAndOffsetBuffersDecodeTheSame() {
        heapAndOffsetBuffersDecodeTheSame(cv);
        heapAndOffsetBuffersDecodeTheSame(fast);
    }

    private void heapAndOffsetBuffersDecodeTheSame(OpenCvImageDecoder cv) {
        byte[] jpeg = TestImages.jpeg(TestImages.scene(200, 150, false), 0.9f);
        ImageSpec spec = ImageSpec.builder(64, 64).build();
        Tensor direct = tensor(spec);
        cv.decodeInto(TestImages.direct(jpeg), spec, direct, 0, gc);
        Tensor heap = tensor(spec);
        cv.decodeInto(ByteBuffer.wrap(jpeg), spec, heap, 0, gc);
        ByteBuffer shifted = ByteBuffer.allocateDirect(jpeg.length + 100);
        shifted.position(37);
        shifted.put(jpeg).position(37).limit(37 + jpeg.length);
        Tensor offset = tensor(spec);
        cv.decodeInto(shifted, spec, offset, 0, gc);
        Tensor readOnly = tensor(spec);
        cv.decodeInto(ByteBuffer.wrap(jpeg).asReadOnlyBuffer(), spec, readOnly, 0, gc);
        assertThat(heap.buffer()).isEqualTo(direct.buffer());
        assertThat(offset.buffer()).isEqualTo(direct.buffer());
        assertThat(readOnly.buffer()).isEqualTo(direct.buffer());
        assertThat(shifted.position()).isEqualTo(37);
    }

    @Test
    void corruptTruncatedAndHugeInputsAreRefusedCleanly() {
        corruptTruncatedAndHugeInputsAreRefusedCleanly(cv);
        corruptTruncatedAndHugeInputsAreRefusedCleanly(fast); // 320x240 -> 64x64 decodes at 1/2 scale
    }

    private void corruptTruncatedAndHugeInputsAreRefusedCleanly(OpenCvImageDecoder cv) {
        ImageSpec spec = ImageSpec.builder(64, 64).build();
        Tensor t = tensor(spec);
        byte[] jpeg = TestImages.jpeg(TestImages.scene(320, 240, false), 0.9f);
        byte[] png = TestImages.png(TestImages.scene(320, 240, false));
        assertThatThrownBy(() -> cv.decodeInto(TestImages.direct(Arrays.copyOf(jpeg, jpeg.length / 2)), spec, t, 0,
                gc)).isInstanceOf(InvalidImageException.class).hasMessageContaining("truncated");
        assertThatThrownBy(() -> cv.decodeInto(TestImages.direct(Arrays.copyOf(png, png.length - 50)), spec, t, 0,
                gc)).isInstanceOf(InvalidImageException.class).hasMessageContaining("truncated");
        assertThatThrownBy(() -> cv.decodeInto(TestImages.direct(TestImages.pngHeader(30_000, 30_000)), spec, t, 0,
                gc)).isInstanceOf(InvalidImageException.class).hasMessageContaining("maxPixels");
        assertThatThrownBy(() -> cv.decodeInto(TestImages.direct(TestImages.jpegClaiming(jpeg, 30_000, 30_000)),
                spec, t, 0, gc)).isInstanceOf(InvalidImageException.class).hasMessageContaining("30000x30000");
        assertThatThrownBy(() -> cv.decodeInto(TestImages.direct(TestImages.pngHeader(64, 64)), spec, t, 0, gc))
                .isInstanceOf(InvalidImageException.class).hasMessageContaining("corrupt PNG");
        ImageSpec small = spec.toBuilder().maxEncodedBytes(1000).build();
        assertThatThrownBy(() -> cv.decodeInto(TestImages.direct(jpeg), small, t, 0, gc))
                .isInstanceOf(InvalidImageException.class).hasMessageContaining("maxEncodedBytes");
        Random r = new Random(3);
        int decoded = 0;
        for (int i = 0; i < 300; i++) {
            byte[] m = jpeg.clone();
            for (int k = 0; k < 1 + r.nextInt(4); k++) {
                m[r.nextInt(m.length)] = (byte) r.nextInt(256);
            }
            try {
                cv.decodeInto(TestImages.direct(m), spec, t, 0, gc);
                decoded++;
            } catch (InvalidImageException expected) {
                assertThat(expected.getMessage()).isNotBlank();
            }
        }
        assertThat(decoded).isPositive();
        // PNG: mutations past the header reach libpng's inflate and filter code
        for (int i = 0; i < 200; i++) {
            byte[] m = png.clone();
            for (int k = 0; k < 1 + r.nextInt(4); k++) {
                m[33 + r.nextInt(m.length - 45)] = (byte) r.nextInt(256);
            }
            try {
                cv.decodeInto(TestImages.direct(m), spec, t, 0, gc);
            } catch (InvalidImageException expected) {
                assertThat(expected.getMessage()).isNotBlank();
            }
        }
        cv.decodeInto(TestImages.direct(jpeg), spec, t, 0, gc);
        assertThat(gc.sourceWidth()).isEqualTo(320);
    }

    /** A JPEG that {@code ImageHeaders} accepts but libjpeg refuses while reading its header (a bogus DHT index). */
    static byte[] badHuffmanTable(byte[] jpeg) {
        byte[] bad = jpeg.clone();
        for (int p = 2; p < bad.length; ) {
            int marker = bad[p + 1] & 0xFF;
            int len = ((bad[p + 2] & 0xFF) << 8) | (bad[p + 3] & 0xFF);
            if (marker == 0xC4) {
                bad[p + 4] = 0x1F; // table class 1, index 15: libjpeg allows indexes 0 to 3
                return bad;
            }
            p += 2 + len;
        }
        throw new IllegalStateException("no DHT segment");
    }

    @Test
    void aFrameOpenCvRefusesIsNotMistakenForThePreviousOne() {
        for (OpenCvImageDecoder d : new OpenCvImageDecoder[]{cv, fast}) {
            ImageSpec spec = ImageSpec.builder(64, 48).dtype(DType.UINT8).build();
            byte[] good = TestImages.jpeg(TestImages.scene(64, 48, false), 0.9f);
            Tensor t = tensor(spec);
            d.decodeInto(TestImages.direct(good), spec, t, 0, gc);
            // the decoded buffer still holds the good frame when OpenCV refuses the next one's header
            assertThatThrownBy(() -> d.decodeInto(TestImages.direct(badHuffmanTable(good)), spec, tensor(spec), 0,
                    gc)).isInstanceOf(InvalidImageException.class).hasMessageContaining("corrupt JPEG");
            Tensor again = tensor(spec);
            d.decodeInto(TestImages.direct(good), spec, again, 0, gc);
            assertThat(again.buffer()).isEqualTo(t.buffer());
        }
    }

    @Test
    void steadyStateAllocatesNoNativeMemoryAndReportsHeapBytes() {
        ByteBuffer jpeg = TestImages.direct(TestImages.jpeg(TestImages.scene(640, 480, false), 0.9f));
        ImageSpec spec = ImageSpec.builder(640, 640).resize(ImageSpec.ResizeMode.LETTERBOX).build();
        Tensor t = tensor(spec);
        for (int i = 0; i < 50; i++) {
            cv.decodeInto(jpeg, spec, t, 0, gc);
        }
        System.gc();
        long totalBefore = Pointer.totalBytes();
        long countBefore = Pointer.totalCount();
        long physicalBefore = Pointer.physicalBytes();
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long heapBefore = mx.getThreadAllocatedBytes(Thread.currentThread().getId());
        int frames = 300;
        for (int i = 0; i < frames; i++) {
            cv.decodeInto(jpeg, spec, t, 0, gc);
        }
        long heapPerFrame = (mx.getThreadAllocatedBytes(Thread.currentThread().getId()) - heapBefore) / frames;
        long physicalGrowth = Pointer.physicalBytes() - physicalBefore;
        System.out.println("steady state over " + frames + " frames: JavaCPP bytes " + totalBefore + " -> "
                + Pointer.totalBytes() + ", pointers " + countBefore + " -> " + Pointer.totalCount()
                + ", RSS growth " + physicalGrowth + " B, Java heap " + heapPerFrame + " B/frame");
        assertThat(Pointer.totalBytes()).isEqualTo(totalBefore);
        assertThat(Pointer.totalCount()).isEqualTo(countBefore);
        assertThat(physicalGrowth).as("RSS growth over %d frames", frames).isLessThan(8L << 20);
        // decoded through the scratch file into the decoder's own pixels: nothing on the Java heap
        assertThat(cv.scratchFileInUse()).isTrue();
        assertThat(heapPerFrame).isLessThan(16);

        // through cv::imdecode, the Mat its binding returns by value (closed at once) is what is left
        try (OpenCvImageDecoder imdecode = new OpenCvImageDecoder(OpenCvDecoderConfig.EXACT.toBuilder()
                .scratchFileDecode(false).build())) {
            for (int i = 0; i < 50; i++) {
                imdecode.decodeInto(jpeg, spec, t, 0, gc);
            }
            long imdecodeTotalBefore = Pointer.totalBytes();
            heapBefore = mx.getThreadAllocatedBytes(Thread.currentThread().getId());
            for (int i = 0; i < frames; i++) {
                imdecode.decodeInto(jpeg, spec, t, 0, gc);
            }
            long imdecodePerFrame = (mx.getThreadAllocatedBytes(Thread.currentThread().getId()) - heapBefore)
                    / frames;
            System.out.println("through cv::imdecode: Java heap " + imdecodePerFrame + " B/frame");
            assertThat(imdecode.scratchFileInUse()).isFalse();
            assertThat(imdecodePerFrame).isBetween(100L, 400L);
            assertThat(Pointer.totalBytes()).isEqualTo(imdecodeTotalBefore);
        }

        // raw frames (camera / video) go through no by-value return at all
        ByteBuffer bgr = ByteBuffer.allocateDirect(640 * 480 * 3);
        for (int i = 0; i < 50; i++) {
            cv.fitInto(bgr, 640, 480, 640 * 3, PixelFormat.BGR, spec, t, 0, gc);
        }
        long rawTotalBefore = Pointer.totalBytes();
        heapBefore = mx.getThreadAllocatedBytes(Thread.currentThread().getId());
        for (int i = 0; i < frames; i++) {
            cv.fitInto(bgr, 640, 480, 640 * 3, PixelFormat.BGR, spec, t, 0, gc);
        }
        long rawHeapPerFrame = (mx.getThreadAllocatedBytes(Thread.currentThread().getId()) - heapBefore) / frames;
        System.out.println("raw frames: Java heap " + rawHeapPerFrame + " B/frame");
        assertThat(rawHeapPerFrame).isLessThan(16);
        assertThat(Pointer.totalBytes()).isEqualTo(rawTotalBefore);
    }

    @Test
    void closeReleasesNativeBuffersAndRefusesWork() {
        long before = Pointer.totalBytes();
        OpenCvImageDecoder d = new OpenCvImageDecoder();
        ImageSpec spec = ImageSpec.builder(32, 32).build();
        d.decodeInto(ByteBuffer.wrap(TestImages.png(TestImages.scene(50, 50, false))), spec, tensor(spec), 0, gc);
        assertThat(Pointer.totalBytes()).isGreaterThan(before);
        d.close();
        d.close();
        assertThat(Pointer.totalBytes()).isEqualTo(before);
        assertThatThrownBy(() -> d.decodeInto(ByteBuffer.wrap(new byte[1]), spec, tensor(spec), 0, gc))
                .isInstanceOf(IllegalStateException.class);
    }
}
