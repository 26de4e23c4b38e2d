package io.github.streaminfer.media;

import io.github.streaminfer.image.ImageDecoder;
import io.github.streaminfer.image.ImageDecoders;
import io.github.streaminfer.image.ImageFit;
import io.github.streaminfer.image.ImageGeometry;
import io.github.streaminfer.image.ImageSpec;
import io.github.streaminfer.task.DetectionTask;
import io.github.streaminfer.tensor.Tensor;
import io.github.streaminfer.testkit.TestImages;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Size;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.nio.ByteBuffer;

import static io.github.streaminfer.media.OpenCvImageDecoderTest.maxLevelDiff;
import static io.github.streaminfer.media.OpenCvImageDecoderTest.tensor;
import static org.assertj.core.api.Assertions.assertThat;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC1;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_COLOR;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_IGNORE_ORIENTATION;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imdecode;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_AREA;
import static org.bytedeco.opencv.global.opencv_imgproc.resize;

/**
 * Reduced JPEG decoding ({@link OpenCvDecoderConfig#reducedJpegDecode()}, the default): which scale is chosen, how
 * far the result is from the exact mode, and that the reported geometry still maps to original pixels.
 */
class ReducedJpegDecodeTest {
    private static final ImageSpec LETTERBOX_640 = ImageSpec.builder(640, 640)
            .resize(ImageSpec.ResizeMode.LETTERBOX).build();
    private static final ImageSpec STRETCH_96 = ImageSpec.builder(96, 96).build();
    private static final ImageSpec STRETCH_224 = ImageSpec.builder(224, 224).build();
    private static final ImageSpec LETTERBOX_320 = ImageSpec.builder(320, 320)
            .resize(ImageSpec.ResizeMode.LETTERBOX).build();

    private final OpenCvImageDecoder reduced = new OpenCvImageDecoder();
    private final OpenCvImageDecoder exact = new OpenCvImageDecoder(OpenCvDecoderConfig.EXACT);
    private final ImageGeometry gr = new ImageGeometry();
    private final ImageGeometry ge = new ImageGeometry();

    @AfterEach
    void close() {
        reduced.close();
        exact.close();
    }

    @Test
    void readmeExampleConfiguresBothModes() {
        // --- README code ---
        ImageSpec spec = ImageSpec.builder(640, 640).resize(ImageSpec.ResizeMode.LETTERBOX).build();
        ImageDecoder fast = ImageDecoders.best();                                // OpenCvDecoderConfig.DEFAULT: reduced
        ImageDecoder exact = new OpenCvImageDecoder(OpenCvDecoderConfig.EXACT);  // every image at full size
        DetectionTask task = DetectionTask.builder(spec).decoder(exact).build(); // every image task takes a decoder
        // --- end of README code ---
        try (fast; exact) {
            assertThat(task).isNotNull();
            assertThat(((OpenCvImageDecoder) fast).config()).isEqualTo(OpenCvDecoderConfig.DEFAULT);
            assertThat(OpenCvDecoderConfig.DEFAULT.reducedJpegDecode()).isTrue();
            assertThat(((OpenCvImageDecoder) exact).config().reducedJpegDecode()).isFalse();
            // an instance per thread keeps the configuration
            try (ImageDecoder copy = exact.newInstance()) {
                assertThat(((OpenCvImageDecoder) copy).config()).isEqualTo(OpenCvDecoderConfig.EXACT);
            }
            assertThat(OpenCvDecoderConfig.builder().reducedJpegDecode(false).build())
                    .isEqualTo(OpenCvDecoderConfig.EXACT);
            assertThat(OpenCvDecoderConfig.EXACT.toBuilder().reducedJpegDecode(true).build())
                    .isEqualTo(OpenCvDecoderConfig.DEFAULT);
        }
    }

    private static int reductionFor(int w, int h, ImageSpec spec) {
        ImageGeometry g = new ImageGeometry().fit(spec, w, h);
        return JpegReduction.factor(w, h, ImageFit.contentWidth(spec, g), ImageFit.contentHeight(spec, g));
    }

    @Test
    void reductionIsTheLargestThatStillCoversTheContentAndDividesBothSides() {
        // letterboxed: the content, not the whole target, is what the reduced image must cover
        assertThat(reductionFor(1280, 720, LETTERBOX_640)).isEqualTo(2);    // 640x360 = the content exactly
        assertThat(reductionFor(640, 480, LETTERBOX_640)).isEqualTo(1);     // 640x480 already is the content
        assertThat(reductionFor(1920, 1080, LETTERBOX_640)).isEqualTo(2);   // 960x540; 1/4 = 480x270 < 640x360
        assertThat(reductionFor(3840, 2160, LETTERBOX_640)).isEqualTo(4);   // 960x540; 1/8 = 480 wide < 640
        assertThat(reductionFor(1280, 720, LETTERBOX_320)).isEqualTo(4);    // 320x180 = the content exactly
        // stretched: both sides of the target
        assertThat(reductionFor(640, 480, STRETCH_96)).isEqualTo(4);        // 160x120; 1/8 = 80x60 < 96
        assertThat(reductionFor(1280, 720, STRETCH_96)).isEqualTo(4);       // 320x180; 1/8 = 160x90, 90 < 96
        assertThat(reductionFor(1920, 1080, STRETCH_224)).isEqualTo(4);     // 480x270; 1/8 = 240x135 < 224
        assertThat(reductionFor(4000, 3000, ImageSpec.builder(64, 64).build())).isEqualTo(8);
        assertThat(reductionFor(1280, 720, ImageSpec.builder(640, 640).build())).isEqualTo(1); // 720/2 < 640
        assertThat(reductionFor(100, 60, STRETCH_96)).isEqualTo(1);         // upscaling: never reduced
        // a reduction must divide both sides, so the reduced grid lines up with the original
        assertThat(reductionFor(1000, 750, STRETCH_96)).isEqualTo(2);       // 750 is not a multiple of 4
        assertThat(reductionFor(641, 481, STRETCH_96)).isEqualTo(1);
        assertThat(reductionFor(1282, 720, STRETCH_96)).isEqualTo(2);       // 1282 is not a multiple of 4
    }

    @Test
    void theChosenReductionIsWhatTheDecoderUses() {
        // r = 1: bit-identical to the exact mode; r > 1: a different (reduced) decode
        ByteBuffer vga = TestImages.direct(TestImages.jpeg(TestImages.scene(640, 480, false), 0.9f));
        ByteBuffer odd = TestImages.direct(TestImages.jpeg(TestImages.scene(641, 481, false), 0.9f));
        ByteBuffer hd = TestImages.direct(TestImages.jpeg(TestImages.scene(1280, 720, false), 0.9f));
        assertThat(difference(vga, LETTERBOX_640)).isZero();
        assertThat(difference(odd, STRETCH_96)).isZero();
        assertThat(difference(vga, STRETCH_96)).isGreaterThan(1.001);
        assertThat(difference(hd, LETTERBOX_640)).isGreaterThan(1.001);
        assertThat(gr.toString()).isEqualTo(ge.toString());
        // PNG is never decoded reduced (OpenCV would decode it whole and shrink it with bilinear sampling)
        ByteBuffer png = TestImages.direct(TestImages.png(TestImages.scene(1280, 720, false)));
        assertThat(difference(png, STRETCH_96)).isZero();
        assertThat(difference(png, LETTERBOX_640)).isZero();
    }

    private double difference(ByteBuffer encoded, ImageSpec spec) {
        Tensor a = tensor(spec);
        Tensor b = tensor(spec);
        reduced.decodeInto(encoded, spec, a, 0, gr);
        exact.decodeInto(encoded, spec, b, 0, ge);
        return maxLevelDiff(a, b, spec);
    }

    /**
     * How far the reduced mode is from the exact mode, and from an area-averaged reference (OpenCV's
     * {@code INTER_AREA} of the full-size decode: every source pixel weighted by the area it covers, what an
     * anti-aliased resize such as PIL's gives). Rendered scenes with thin white lines, text and hard edges, colour
     * and grey, JPEG quality 90.
     *
     * <p>Measured: the mean difference from the exact mode is at most 6.2 grey levels (640×480 → 96×96); single
     * pixels on thin lines and text differ by up to about 130 levels, because the exact mode's bilinear resize reads
     * 2 × 2 source pixels per target pixel and on strong downscales skips most of them (aliasing), while the reduced
     * decode averages each block. Against the area-averaged reference the reduced mode is closer than the exact one
     * wherever it shrinks by more than 2 (exact 5.9 vs reduced 1.8 levels mean at 640×480 → 96×96); where the exact
     * mode itself is an exact 2:1 box average (1280×720 → 640×360, 640×480 → 320×240) the reduced mode is at most
     * 0.7 levels mean away from it. So the reduced mode changes what a model sees by about as much as a different
     * (better) resize filter does, and models trained on anti-aliased resizes see inputs closer to their training
     * data.
     */
    @Test
    void reducedModeStaysCloseToTheExactModeAndCloserToAnAreaAverage() {
        int[][] sizes = {{640, 480}, {1280, 720}, {1920, 1080}};
        ImageSpec[] specs = {LETTERBOX_640, STRETCH_96, STRETCH_224, LETTERBOX_320};
        double worstMean = 0;
        for (int[] s : sizes) {
            for (boolean grey : new boolean[]{false, true}) {
                byte[] jpeg = TestImages.jpeg(TestImages.scene(s[0], s[1], grey), 0.9f);
                ByteBuffer encoded = TestImages.direct(jpeg);
                try (Mat full = decodeFull(encoded)) {
                    for (ImageSpec spec : specs) {
                        Tensor tr = tensor(spec);
                        Tensor te = tensor(spec);
                        reduced.decodeInto(encoded, spec, tr, 0, gr);
                        exact.decodeInto(encoded, spec, te, 0, ge);
                        assertThat(gr.toString()).isEqualTo(ge.toString());
                        double[] d = meanDifferences(tr, te, full, spec, gr);
                        String what = s[0] + "x" + s[1] + (grey ? " grey" : " colour") + " -> " + spec.resize() + " "
                                + spec.width() + "x" + spec.height();
                        System.out.printf("%s: mean |reduced-exact| %.2f, |reduced-area| %.2f, |exact-area| %.2f%n",
                                what, d[0], d[1], d[2]);
                        assertThat(d[0]).as("mean |reduced - exact| levels, %s", what).isLessThanOrEqualTo(7);
                        assertThat(d[1]).as("mean |reduced - area| levels, %s", what).isLessThanOrEqualTo(d[2] + 0.75);
                        if (reductionFor(s[0], s[1], spec) > 1 && d[2] > 1.5) {
                            // a real downscale, which the exact mode aliases: the reduced one is nearer the area
                            assertThat(d[1]).as("reduced nearer the area average, %s", what).isLessThan(d[2]);
                        }
                        worstMean = Math.max(worstMean, d[0]);
                    }
                }
            }
        }
        System.out.println("worst mean reduced-vs-exact difference: " + worstMean + " grey levels");
    }

    private static Mat decodeFull(ByteBuffer encoded) {
        try (BytePointer bytes = new BytePointer(encoded);
             Mat buf = new Mat(1, encoded.remaining(), CV_8UC1, bytes)) {
            return imdecode(buf, IMREAD_COLOR | IMREAD_IGNORE_ORIENTATION);
        }
    }

    /** @return mean absolute level differences over the content: reduced-exact, reduced-area, exact-area */
    private static double[] meanDifferences(Tensor reducedT, Tensor exactT, Mat full, ImageSpec spec,
                                            ImageGeometry g) {
        int cw = ImageFit.contentWidth(spec, g);
        int ch = ImageFit.contentHeight(spec, g);
        int px = (int) g.padX();
        int py = (int) g.padY();
        double[] sum = new double[3];
        try (Mat area = new Mat(); Size size = new Size(cw, ch)) {
            resize(full, area, size, 0, 0, INTER_AREA);
            ByteBuffer a = area.createBuffer();
            long plane = (long) spec.width() * spec.height();
            for (int y = 0; y < ch; y++) {
                for (int x = 0; x < cw; x++) {
                    for (int c = 0; c < 3; c++) {
                        long i = c * plane + (long) (y + py) * spec.width() + x + px;
                        double vr = reducedT.getFloat(i) * 255;
                        double ve = exactT.getFloat(i) * 255;
                        double va = a.get((y * cw + x) * 3 + 2 - c) & 0xFF; // BGR Mat, RGB tensor
                        sum[0] += Math.abs(vr - ve);
                        sum[1] += Math.abs(vr - va);
                        sum[2] += Math.abs(ve - va);
                    }
                }
            }
        }
        double n = 3.0 * cw * ch;
        return new double[]{sum[0] / n, sum[1] / n, sum[2] / n};
    }

    /**
     * Two white squares on black at known places: their centroids in the tensor, mapped back with the reported
     * geometry, land on their true centres within 0.35 target pixels, in both modes (the exact mode's bilinear
     * sampling alone moves a centroid by up to about 0.3 target pixels on a 3× shrink). A reduced grid shifted by
     * half a reduced pixel (0.5 target pixels at 1280×720 → 640×360), or a geometry computed from the reduced
     * size, misses by more.
     */
    @Test
    void reportedGeometryMapsBackToOriginalPixels() {
        // landscape (padding above and below) and portrait (padding left and right)
        reportedGeometryMapsBackToOriginalPixels(1280, 720, new int[][]{{200, 120, 80}, {960, 480, 120}});
        reportedGeometryMapsBackToOriginalPixels(720, 1280, new int[][]{{120, 200, 80}, {480, 960, 120}});
    }

    /** @param squares x, y and side of each square */
    private void reportedGeometryMapsBackToOriginalPixels(int w, int h, int[][] squares) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_3BYTE_BGR);
        Graphics2D g = img.createGraphics();
        g.setColor(Color.WHITE);
        for (int[] s : squares) {
            g.fillRect(s[0], s[1], s[2], s[2]);
        }
        g.dispose();
        ByteBuffer jpeg = TestImages.direct(TestImages.jpeg(img, 0.95f));
        for (ImageSpec spec : new ImageSpec[]{LETTERBOX_640, STRETCH_224, LETTERBOX_320}) {
            assertThat(reductionFor(w, h, spec)).isGreaterThan(1);
            for (OpenCvImageDecoder d : new OpenCvImageDecoder[]{reduced, exact}) {
                Tensor t = tensor(spec);
                ImageGeometry geo = d.decodeInto(jpeg, spec, t, 0, new ImageGeometry());
                for (int[] s : squares) {
                    double cx = s[0] + s[2] / 2.0;
                    double cy = s[1] + s[2] / 2.0;
                    // search window: the square's own area in tensor space, plus a margin of 3 target pixels
                    double[] c = centroid(t, spec, geo.padX() + s[0] * geo.scaleX() - 3,
                            geo.padY() + s[1] * geo.scaleY() - 3, (s[2]) * geo.scaleX() + 6,
                            (s[2]) * geo.scaleY() + 6);
                    String what = w + "x" + h + " " + d.config() + " -> " + spec.resize() + " " + spec.width() + "x"
                            + spec.height();
                    double ex = Math.abs(geo.toSourceX((float) c[0]) - cx) * geo.scaleX();
                    double ey = Math.abs(geo.toSourceY((float) c[1]) - cy) * geo.scaleY();
                    System.out.printf("%s, square at %d,%d: centroid off by %.3f, %.3f target pixels%n", what,
                            s[0], s[1], ex, ey);
                    assertThat(ex).as("x of square at %d, %s", s[0], what).isLessThanOrEqualTo(0.35);
                    assertThat(ey).as("y of square at %d, %s", s[1], what).isLessThanOrEqualTo(0.35);
                }
            }
        }
    }

    /** @return the intensity-weighted centre of channel 0 in a window, in tensor coordinates (pixel centres at +0.5) */
    private static double[] centroid(Tensor t, ImageSpec spec, double x0, double y0, double ww, double wh) {
        double sx = 0;
        double sy = 0;
        double sw = 0;
        int xa = Math.max(0, (int) Math.floor(x0));
        int ya = Math.max(0, (int) Math.floor(y0));
        int xb = Math.min(spec.width(), (int) Math.ceil(x0 + ww));
        int yb = Math.min(spec.height(), (int) Math.ceil(y0 + wh));
        for (int y = ya; y < yb; y++) {
            for (int x = xa; x < xb; x++) {
                double v = t.getFloat((long) y * spec.width() + x);
                if (v > 0.1) {
                    sx += v * (x + 0.5);
                    sy += v * (y + 0.5);
                    sw += v;
                }
            }
        }
        assertThat(sw).as("a square inside the window").isPositive();
        return new double[]{sx / sw, sy / sw};
    }
}
