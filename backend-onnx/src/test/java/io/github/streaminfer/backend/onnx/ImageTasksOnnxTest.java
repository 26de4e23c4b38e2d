package io.github.streaminfer.backend.onnx;

import io.github.streaminfer.backend.LoadedModel;
import io.github.streaminfer.backend.ModelOptions;
import io.github.streaminfer.backend.ModelSource;
import io.github.streaminfer.exceptions.InvalidInputException;
import io.github.streaminfer.image.ImageSpec;
import io.github.streaminfer.image.PixelFormat;
import io.github.streaminfer.session.StreamingInferenceSession;
import io.github.streaminfer.synthetic.SyntheticModels;
import io.github.streaminfer.task.ActionChunk;
import io.github.streaminfer.task.Classification;
import io.github.streaminfer.task.ClassifierTask;
import io.github.streaminfer.task.DetectionTask;
import io.github.streaminfer.task.Detections;
import io.github.streaminfer.task.ImageFrame;
import io.github.streaminfer.task.PolicyObservation;
import io.github.streaminfer.task.PolicyTask;
import io.github.streaminfer.task.RawImage;
import io.github.streaminfer.testkit.models.RealModel;
import org.junit.jupiter.api.Test;

import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class ImageTasksOnnxTest {

    static RawImage rgb(BufferedImage img) {
        byte[] px = new byte[img.getWidth() * img.getHeight() * 3];
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                int p = img.getRGB(x, y);
                int o = (y * img.getWidth() + x) * 3;
                px[o] = (byte) (p >> 16);
                px[o + 1] = (byte) (p >> 8);
                px[o + 2] = (byte) p;
            }
        }
        return new RawImage(img.getWidth(), img.getHeight(), PixelFormat.RGB, px);
    }

    static BufferedImage text(String s, boolean rotated) {
        BufferedImage img = new BufferedImage(192, 48, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, 192, 48);
        if (rotated) {
            g.rotate(Math.PI, 96, 24);
        }
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 26));
        g.drawString(s, 6, 34);
        g.dispose();
        return img;
    }

    static ClassifierTask ocrOrientation() {
        // PaddleOCR's cls preprocessing: resize to 48 x 192, (v / 255 - 0.5) / 0.5, BGR channel order
        ImageSpec spec = ImageSpec.builder(192, 48).channelOrder(ImageSpec.ChannelOrder.BGR)
                .normalize(new float[] {0.5f, 0.5f, 0.5f}, new float[] {0.5f, 0.5f, 0.5f}).build();
        return ClassifierTask.builder(spec).labels(List.of("0", "180")).topK(2).build();
    }

    @Test
    void ppOcrOrientationClassifierTellsUprightFromRotatedText() {
        try (LoadedModel model = new OnnxBackend().load(ModelSource.of(RealModel.PPOCR_CLS.path()), ModelOptions.DEFAULT);
             StreamingInferenceSession<ImageFrame, Classification> s = StreamingInferenceSession
                     .builder(model, ocrOrientation()).build()) {
            for (String line : List.of("Hello World 2026", "streaming infer", "The quick brown fox")) {
                SessionRunner.Outcome<String> up = SessionRunner.step(s, ImageFrame.raw(rgb(text(line, false))),
                        c -> c.bestLabel() + " " + c.bestScore());
                SessionRunner.Outcome<String> down = SessionRunner.step(s, ImageFrame.raw(rgb(text(line, true))),
                        c -> c.bestLabel() + " " + c.bestScore());
                assertThat(up.value()).as("upright '%s'", line).startsWith("0 ");
                assertThat(down.value()).as("rotated '%s'", line).startsWith("180 ");
            }
        }
    }

    static byte[] jpeg(BufferedImage img) throws java.io.IOException {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        if (!javax.imageio.ImageIO.write(img, "jpg", out)) {
            throw new AssertionError("no JPEG writer");
        }
        return out.toByteArray();
    }

    @Test
    void ppOcrOrientationOnEncodedJpeg() throws Exception {
        try (LoadedModel model = new OnnxBackend().load(ModelSource.of(RealModel.PPOCR_CLS.path()), ModelOptions.DEFAULT);
             StreamingInferenceSession<ImageFrame, Classification> s = StreamingInferenceSession
                     .builder(model, ocrOrientation()).build()) {
            // encoded bytes go through the best available ImageDecoder
            String up = SessionRunner.step(s, ImageFrame.encoded(jpeg(text("Hello World 2026", false))),
                    Classification::bestLabel).value();
            String down = SessionRunner.step(s, ImageFrame.encoded(jpeg(text("Hello World 2026", true))),
                    Classification::bestLabel).value();
            assertThat(up).isEqualTo("0");
            assertThat(down).isEqualTo("180");
            // corrupt bytes fail the frame, the session goes on
            SessionRunner.Outcome<String> bad = SessionRunner.step(s,
                    ImageFrame.encoded(new byte[] {(byte) 0xFF, (byte) 0xD8, 1, 2, 3}), Classification::bestLabel);
            assertThat(bad.success()).isFalse();
            assertThat(bad.error()).isInstanceOf(InvalidInputException.class);
            assertThat(SessionRunner.step(s, ImageFrame.raw(rgb(text("Hello", false))),
                    Classification::bestLabel).value()).isEqualTo("0");
        }
    }

    @Test
    void classifierAcceptsLargerImagesAndBgrPixels() {
        BufferedImage big = new BufferedImage(384, 96, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = big.createGraphics();
        g.drawImage(text("Hello World 2026", true), 0, 0, 384, 96, null);
        g.dispose();
        RawImage rgb = rgb(big);
        byte[] bgr = rgb.pixels().clone();
        for (int i = 0; i < bgr.length; i += 3) {
            byte t = bgr[i];
            bgr[i] = bgr[i + 2];
            bgr[i + 2] = t;
        }
        try (LoadedModel model = new OnnxBackend().load(ModelSource.of(RealModel.PPOCR_CLS.path()), ModelOptions.DEFAULT);
             StreamingInferenceSession<ImageFrame, Classification> s = StreamingInferenceSession
                     .builder(model, ocrOrientation()).build()) {
            float a = SessionRunner.step(s, ImageFrame.raw(rgb), c -> c.score(1)).value();
            float b = SessionRunner.step(s, ImageFrame.raw(new RawImage(384, 96, PixelFormat.BGR, bgr)),
                    c -> c.score(1)).value();
            assertThat(b).isEqualTo(a);
            assertThat(a).isGreaterThan(0.5f);
            SessionRunner.Outcome<Float> empty = SessionRunner.step(s, new ImageFrame(), c -> c.score(1));
            assertThat(empty.error()).isInstanceOf(InvalidInputException.class).hasMessageContaining("empty");
        }
    }

    @Test
    void classifierRefusesAModelWhoseInputDoesNotFitTheSpec() {
        try (LoadedModel model = new OnnxBackend().load(ModelSource.of(RealModel.PPOCR_CLS.path()), ModelOptions.DEFAULT)) {
            ClassifierTask nhwc = ClassifierTask.builder(ImageSpec.builder(192, 48).layout(ImageSpec.Layout.NHWC).build())
                    .build();
            assertThatThrownBy(() -> StreamingInferenceSession.builder(model, nhwc).build())
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("input 'x'")
                    .hasMessageContaining("NHWC");
            ClassifierTask wrongName = ClassifierTask.builder(ImageSpec.builder(192, 48).build()).inputName("images")
                    .build();
            assertThatThrownBy(() -> StreamingInferenceSession.builder(model, wrongName).build())
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no input 'images'")
                    .hasMessageContaining("x:float32");
        }
    }

    @Test
    void ppOcrTextDetectorMarksTheTextAndNotTheBackground() {
        // PP-OCRv4 det: image [1, 3, H, W] (multiples of 32), ImageNet mean/std -> text probability map [1, 1, H, W]
        BufferedImage img = new BufferedImage(320, 96, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, 320, 96);
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 28));
        g.drawString("Hello World", 40, 58);
        java.awt.Rectangle box = g.getFontMetrics().getStringBounds("Hello World", g).getBounds();
        g.dispose();
        box.translate(40, 58);
        java.awt.Rectangle margin = new java.awt.Rectangle(box);
        margin.grow(12, 12);
        ImageSpec spec = ImageSpec.builder(320, 96).normalize(new float[] {0.485f, 0.456f, 0.406f},
                new float[] {0.229f, 0.224f, 0.225f}).build();
        try (LoadedModel model = new OnnxBackend().load(ModelSource.of(RealModel.PPOCR_DET.path()), ModelOptions.DEFAULT)) {
            io.github.streaminfer.task.ImageInput input = new io.github.streaminfer.task.ImageInput(spec, null);
            io.github.streaminfer.tensor.Tensor[] in = {io.github.streaminfer.tensor.Tensor.allocate(model.inputs().get(0),
                    input.bind(model.inputs().get(0), 1))};
            io.github.streaminfer.tensor.Tensor[] out = io.github.streaminfer.backend.Tensors.allocate(model.outputs(), 1);
            input.write(ImageFrame.raw(rgb(img)), in[0], 0, new io.github.streaminfer.image.ImageGeometry());
            model.run(in, out);
            assertThat(out[0].shape()).containsExactly(1, 1, 96, 320);
            double inside = 0;
            double outside = 0;
            int nIn = 0;
            int nOut = 0;
            float maxInside = 0;
            for (int y = 0; y < 96; y++) {
                for (int x = 0; x < 320; x++) {
                    float p = out[0].getFloat(y * 320L + x);
                    if (box.contains(x, y)) {
                        maxInside = Math.max(maxInside, p);
                        inside += p;
                        nIn++;
                    } else if (!margin.contains(x, y)) {
                        outside += p;
                        nOut++;
                    }
                }
            }
            System.out.printf("PP-OCR det mean probability: text box %.3f, background %.4f%n", inside / nIn,
                    outside / nOut);
            assertThat(maxInside).isGreaterThan(0.8f);
            assertThat(inside / nIn).isGreaterThan(0.15); // the glyph box includes the gaps between letters
            assertThat(outside / nOut).isLessThan(0.05);
        }
    }

    // ------------------------------------------------------------------------------------ detection

    static final int S = 64;

    /** YOLOv8 table [4+2, 6]: boxes as (cx, cy, w, h, score0, score1) per column. */
    static float[][] candidates() {
        return new float[][] {
                {20, 20, 16, 16, 0.90f, 0.05f}, // A: class 0
                {21, 21, 16, 16, 0.80f, 0.05f}, // overlaps A heavily, same class -> suppressed
                {22, 20, 16, 16, 0.05f, 0.70f}, // overlaps A, other class -> kept unless class-agnostic
                {48, 48, 10, 10, 0.60f, 0.01f}, // B: class 0, far away
                {40, 10, 8, 8, 0.20f, 0.10f},   // below the 0.25 threshold
                {10, 50, 6, 6, 0.30f, 0.02f},   // C: class 0, low but above threshold
        };
    }

    static SyntheticModels.Detector yolov8() {
        float[][] c = candidates();
        int n = c.length;
        float[] p = new float[6 * n];
        float[] q = new float[6 * n];
        for (int i = 0; i < n; i++) {
            for (int f = 0; f < 6; f++) {
                p[f * n + i] = c[i][f];
            }
        }
        q[5 * n + 3] = 1f; // candidate 3's class-1 score follows the image's brightness
        return new SyntheticModels.Detector(S, new long[] {6, n}, p, q);
    }

    static RawImage grey(int w, int h, int v) {
        byte[] px = new byte[w * h * 3];
        java.util.Arrays.fill(px, (byte) v);
        return new RawImage(w, h, PixelFormat.RGB, px);
    }

    @Test
    void detectorDecodesThresholdsAndSuppressesInSourcePixels() {
        SyntheticModels.Detector det = yolov8();
        ImageSpec spec = ImageSpec.builder(S, S).resize(ImageSpec.ResizeMode.LETTERBOX).build();
        try (LoadedModel model = new OnnxBackend().load(ModelSource.ofBytes("det.onnx", det.bytes()), ModelOptions.DEFAULT);
             StreamingInferenceSession<ImageFrame, Detections> s = StreamingInferenceSession
                     .builder(model, DetectionTask.builder(spec).labels(List.of("cube", "ball")).build()).build()) {
            // a 128 x 64 black source is letterboxed into 64 x 64: scale 0.5, 16 px padding top and bottom
            Detections d = SessionRunner.step(s, ImageFrame.raw(grey(128, 64, 0)), ImageTasksOnnxTest::copy).value();
            assertThat(d.count()).isEqualTo(4);
            assertThat(new float[] {d.score(0), d.score(1), d.score(2), d.score(3)})
                    .containsExactly(0.90f, 0.70f, 0.60f, 0.30f);
            assertThat(d.label(0)).isEqualTo("cube");
            assertThat(d.label(1)).isEqualTo("ball");
            // A: cx 20, cy 20, 16 x 16 in tensor pixels -> (12..28, 12..28) -> source x (24..56), y (0..24) after
            // removing 16 px of top padding and dividing by 0.5 (y clamped at 0)
            assertThat(d.x1(0)).isCloseTo(24f, within(1e-4f));
            assertThat(d.x2(0)).isCloseTo(56f, within(1e-4f));
            assertThat(d.y1(0)).isCloseTo(0f, within(1e-4f));
            assertThat(d.y2(0)).isCloseTo(24f, within(1e-4f));
            assertThat(d.sourceWidth()).isEqualTo(128);
        }
    }

    @Test
    void detectorHonoursClassAgnosticNmsMaxDetectionsAndTheImage() {
        SyntheticModels.Detector det = yolov8();
        ImageSpec spec = ImageSpec.builder(S, S).build();
        try (LoadedModel model = new OnnxBackend().load(ModelSource.ofBytes("det.onnx", det.bytes()), ModelOptions.DEFAULT);
             StreamingInferenceSession<ImageFrame, Detections> agnostic = StreamingInferenceSession
                     .builder(model, DetectionTask.builder(spec).classAgnosticNms(true).maxDetections(2)
                             .confidenceThreshold(0.5f).build()).build()) {
            Detections d = SessionRunner.step(agnostic, ImageFrame.raw(grey(S, S, 0)), ImageTasksOnnxTest::copy).value();
            assertThat(d.count()).isEqualTo(2); // A and B; the ball under A is suppressed across classes
            assertThat(d.score(0)).isEqualTo(0.90f);
            assertThat(d.score(1)).isEqualTo(0.60f);
            assertThat(d.classId(1)).isZero();
            // a white image raises candidate 3's class-1 score to 0.01 + 1.0: it becomes the best box, class 1
            Detections w = SessionRunner.step(agnostic, ImageFrame.raw(grey(S, S, 255)), ImageTasksOnnxTest::copy).value();
            assertThat(w.score(0)).isCloseTo(1.01f, within(1e-5f));
            assertThat(w.classId(0)).isEqualTo(1);
        }
    }

    @Test
    void detectorRawOutputMatchesItsJavaReference() {
        SyntheticModels.Detector det = yolov8();
        try (LoadedModel model = new OnnxBackend().load(ModelSource.ofBytes("det.onnx", det.bytes()), ModelOptions.DEFAULT)) {
            io.github.streaminfer.tensor.Tensor[] in = io.github.streaminfer.backend.Tensors.allocate(model.inputs(), 1);
            io.github.streaminfer.tensor.Tensor[] out = io.github.streaminfer.backend.Tensors.allocate(model.outputs(), 1);
            float[] img = new float[3 * S * S];
            java.util.Random r = new java.util.Random(3);
            for (int i = 0; i < img.length; i++) {
                img[i] = r.nextFloat();
            }
            in[0].putFloats(0, img, 0, img.length);
            model.run(in, out);
            float[] want = det.reference(img);
            for (int i = 0; i < want.length; i++) {
                assertThat(out[0].getFloat(i)).isCloseTo(want[i], within(1e-5f));
            }
        }
    }

    @Test
    void endToEndLayoutAndTrackerKeepIdsAcrossFrames() {
        // [1, N, 6]: x1, y1, x2, y2, score, class; the boxes move 1 px per frame with brightness
        float[] p = {10, 10, 30, 30, 0.9f, 2, 40, 40, 60, 60, 0.8f, 1, 0, 0, 5, 5, 0.1f, 0};
        float[] q = {4, 4, 4, 4, 0, 0, 4, 4, 4, 4, 0, 0, 0, 0, 0, 0, 0, 0};
        SyntheticModels.Detector det = new SyntheticModels.Detector(S, new long[] {3, 6}, p, q);
        ImageSpec spec = ImageSpec.builder(S, S).build();
        try (LoadedModel model = new OnnxBackend().load(ModelSource.ofBytes("e2e.onnx", det.bytes()), ModelOptions.DEFAULT);
             StreamingInferenceSession<ImageFrame, Detections> s = StreamingInferenceSession
                     .builder(model, DetectionTask.builder(spec).layout(DetectionTask.Layout.XYXY_SCORE_CLASS)
                             .track(0.3f, 2).build()).build()) {
            List<long[]> ids = new ArrayList<>();
            for (int f = 0; f < 4; f++) {
                Detections d = SessionRunner.step(s, ImageFrame.raw(grey(S, S, f * 16)), ImageTasksOnnxTest::copy)
                        .value();
                assertThat(d.count()).isEqualTo(2);
                assertThat(d.classId(0)).isEqualTo(2);
                ids.add(new long[] {d.trackId(0), d.trackId(1)});
            }
            for (long[] frame : ids) {
                assertThat(frame).containsExactly(1, 2);
            }
            s.reset();
            Detections d = SessionRunner.step(s, ImageFrame.raw(grey(S, S, 0)), ImageTasksOnnxTest::copy).value();
            assertThat(d.trackId(0)).isEqualTo(1);
        }
    }

    static Detections copy(Detections d) {
        return d.copy();
    }

    // ------------------------------------------------------------------------------------ policy

    static float[] nchw(RawImage img, int h, int w) {
        // the images used here already have the model's size: plain scaling to [0, 1]
        float[] out = new float[3 * h * w];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                for (int c = 0; c < 3; c++) {
                    out[c * h * w + y * w + x] = img.value(x, y, c) * (1f / 255f);
                }
            }
        }
        return out;
    }

    static RawImage gradient(int w, int h, int seed) {
        byte[] px = new byte[w * h * 3];
        for (int i = 0; i < w * h; i++) {
            px[i * 3] = (byte) (i * 7 + seed);
            px[i * 3 + 1] = (byte) (i * 3 + 2 * seed);
            px[i * 3 + 2] = (byte) (255 - i);
        }
        return new RawImage(w, h, PixelFormat.RGB, px);
    }

    @Test
    void policyChunkMatchesJavaReferenceWithStateAndInstruction() {
        SyntheticModels.Policy ref = new SyntheticModels.Policy(24, 32, 14, 50, 16);
        PolicyTask task = PolicyTask.builder().image("image", ImageSpec.builder(32, 24).build()).state("state")
                .instruction("instruction").build();
        try (LoadedModel model = new OnnxBackend().load(ModelSource.ofBytes("policy.onnx", ref.bytes()), ModelOptions.DEFAULT);
             StreamingInferenceSession<PolicyObservation, ActionChunk> s = StreamingInferenceSession
                     .builder(model, task).build()) {
            RawImage img = gradient(32, 24, 5);
            float[] pose = {0.1f, -0.2f, 0.3f, 0f, 0.5f, -0.6f, 0.7f};
            float[] vel = {0.01f, 0.02f, -0.03f};
            String text = "pick up the red cube";
            ActionChunk got = SessionRunner.step(s, new PolicyObservation().images(ImageFrame.raw(img)).pose(pose)
                    .velocity(vel).instruction(text), ImageTasksOnnxTest::copy).value();
            float[] state = new float[14];
            System.arraycopy(pose, 0, state, 0, 7);
            System.arraycopy(vel, 0, state, 7, 3);
            long[] tokens = new long[16];
            byte[] b = text.getBytes(StandardCharsets.UTF_8);
            for (int i = 0; i < 16; i++) {
                tokens[i] = b[i] & 0xFF;
            }
            float[] want = ref.reference(nchw(img, 24, 32), state, tokens);
            assertThat(got.horizon()).isEqualTo(50);
            assertThat(got.dim()).isEqualTo(7);
            float[] all = got.toArray();
            for (int i = 0; i < want.length; i++) {
                assertThat(all[i]).as("action value %d", i).isCloseTo(want[i], within(1e-5f));
            }
        }
    }

    @Test
    void policySingleActionRejectsLongOrNonFiniteStatesAndKeepsRunning() {
        SyntheticModels.Policy ref = new SyntheticModels.Policy(16, 16, 6, 1, 0);
        PolicyTask task = PolicyTask.builder().image("image", ImageSpec.builder(16, 16).build()).state("state")
                .build();
        try (LoadedModel model = new OnnxBackend().load(ModelSource.ofBytes("policy.onnx", ref.bytes()), ModelOptions.DEFAULT);
             StreamingInferenceSession<PolicyObservation, ActionChunk> s = StreamingInferenceSession
                     .builder(model, task).build()) {
            RawImage img = gradient(16, 16, 1);
            SessionRunner.Outcome<ActionChunk> tooLong = SessionRunner.step(s, new PolicyObservation()
                    .images(ImageFrame.raw(img)).pose(new float[6]).velocity(new float[2]), ImageTasksOnnxTest::copy);
            assertThat(tooLong.error()).isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining("6 pose + 2 velocity = 8 values").hasMessageContaining("at most 6");
            SessionRunner.Outcome<ActionChunk> nan = SessionRunner.step(s, new PolicyObservation()
                    .images(ImageFrame.raw(img)).pose(new float[] {0, Float.POSITIVE_INFINITY}), ImageTasksOnnxTest::copy);
            assertThat(nan.error()).isInstanceOf(InvalidInputException.class).hasMessageContaining("pose[1] is Infinity");
            SessionRunner.Outcome<ActionChunk> noImage = SessionRunner.step(s, new PolicyObservation().pose(new float[2]),
                    ImageTasksOnnxTest::copy);
            assertThat(noImage.error()).isInstanceOf(InvalidInputException.class).hasMessageContaining("no image");
            // velocity only: zero-padded after it
            ActionChunk a = SessionRunner.step(s, new PolicyObservation().images(ImageFrame.raw(img))
                    .velocity(new float[] {0.5f, -0.5f}), ImageTasksOnnxTest::copy).value();
            float[] want = ref.reference(nchw(img, 16, 16), new float[] {0.5f, -0.5f, 0, 0, 0, 0}, null);
            assertThat(a.horizon()).isEqualTo(1);
            for (int i = 0; i < 7; i++) {
                assertThat(a.get(0, i)).isCloseTo(want[i], within(1e-5f));
            }
            assertThat(s.stats().failedInput()).isEqualTo(3);
        }
    }

    static ActionChunk copy(ActionChunk c) {
        return c.copy();
    }
}
