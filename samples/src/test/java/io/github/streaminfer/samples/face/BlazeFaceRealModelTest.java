package io.github.streaminfer.samples.face;

import io.github.streaminfer.backend.Backends;
import io.github.streaminfer.backend.LoadedModel;
import io.github.streaminfer.backend.ModelOptions;
import io.github.streaminfer.backend.ModelSource;
import io.github.streaminfer.samples.detection.TestScenes;
import io.github.streaminfer.session.InferenceResult;
import io.github.streaminfer.session.SessionConfig;
import io.github.streaminfer.session.StreamingInferenceSession;
import io.github.streaminfer.session.SubmitStatus;
import io.github.streaminfer.testkit.models.RealModel;
import io.github.streaminfer.transport.detection.DetectionImage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * BlazeFace's real model (fetched from npm, sha256-checked) through {@link BlazeFaceTask} on ONNX Runtime: a drawn
 * face is found where it was drawn, with its eyes where the eyes were drawn, and a frame without a face yields none.
 */
class BlazeFaceRealModelTest {
    private static LoadedModel model;

    @BeforeAll
    static void load() {
        model = Backends.require("onnx").load(ModelSource.of(RealModel.BLAZEFACE_FRONT.fetch()),
                ModelOptions.DEFAULT);
    }

    @AfterAll
    static void unload() {
        model.close();
    }

    private static FaceDetections detect(BufferedImage image) throws Exception {
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        ImageIO.write(image, "png", png);
        DetectionImage frame = new DetectionImage(ByteBuffer.wrap(png.toByteArray()), "png", image.getWidth(),
                image.getHeight());
        try (StreamingInferenceSession<DetectionImage, FaceDetections> session = StreamingInferenceSession
                .builder(model, new BlazeFaceTask(BlazeFaceConfig.DEFAULT, null, 40_000_000L))
                .config(SessionConfig.DEFAULT.toBuilder().name("blazeface-test").build()).build()) {
            assertThat(session.submit(frame)).isEqualTo(SubmitStatus.ACCEPTED);
            long deadline = System.nanoTime() + 20_000_000_000L;
            while (System.nanoTime() < deadline) {
                InferenceResult<FaceDetections> r = session.pollResult();
                if (r != null) {
                    try {
                        assertThat(r.isSuccess()).as(String.valueOf(r.error())).isTrue();
                        FaceDetections copy = new FaceDetections(16);
                        copy.count = r.value().count;
                        copy.sourceWidth = r.value().sourceWidth;
                        copy.sourceHeight = r.value().sourceHeight;
                        System.arraycopy(r.value().x1, 0, copy.x1, 0, copy.count);
                        System.arraycopy(r.value().y1, 0, copy.y1, 0, copy.count);
                        System.arraycopy(r.value().x2, 0, copy.x2, 0, copy.count);
                        System.arraycopy(r.value().y2, 0, copy.y2, 0, copy.count);
                        System.arraycopy(r.value().score, 0, copy.score, 0, copy.count);
                        System.arraycopy(r.value().keypoints, 0, copy.keypoints, 0, copy.count * 12);
                        return copy;
                    } finally {
                        r.release();
                    }
                }
                Thread.sleep(5);
            }
        }
        throw new AssertionError("no result within 20 s");
    }

    @Test
    void findsADrawnFaceWhereItIsWithItsEyesOnTheEyes() throws Exception {
        double cx = 200;
        double cy = 130;
        double r = 45;
        FaceDetections faces = detect(TestScenes.singleFace(320, 240, cx, cy, r));

        assertThat(faces.count()).as(faces.toString()).isEqualTo(1);
        assertThat(faces.score(0)).isGreaterThan(0.75f);
        assertThat(faces.sourceWidth()).isEqualTo(320);
        // the box holds the face's centre, and is about as wide as the drawn face (1.6 r)
        assertThat(faces.x1(0)).isLessThan((float) cx).isGreaterThan((float) (cx - 2 * r));
        assertThat(faces.x2(0)).isGreaterThan((float) cx).isLessThan((float) (cx + 2 * r));
        assertThat(faces.y1(0)).isLessThan((float) cy).isGreaterThan((float) (cy - 2 * r));
        assertThat(faces.y2(0)).isGreaterThan((float) cy).isLessThan((float) (cy + 2 * r));
        assertThat(faces.x2(0) - faces.x1(0)).isBetween((float) r, (float) (3 * r));
        // keypoints 0 and 1 are the eyes, drawn at (cx -+ 0.36 r, cy - 0.22 r); the person's right eye is on the
        // image's left
        double eyeY = cy - 0.22 * r;
        assertThat(faces.keypointX(0, 0)).isCloseTo((float) (cx - 0.36 * r), within(0.25f * r));
        assertThat(faces.keypointY(0, 0)).isCloseTo((float) eyeY, within(0.25f * r));
        assertThat(faces.keypointX(0, 1)).isCloseTo((float) (cx + 0.36 * r), within(0.25f * r));
        assertThat(faces.keypointY(0, 1)).isCloseTo((float) eyeY, within(0.25f * r));
        // keypoint 2, the nose tip, lies between the eyes and the mouth
        assertThat(faces.keypointY(0, 2)).isGreaterThan((float) eyeY).isLessThan((float) (cy + 0.45 * r));
    }

    private static org.assertj.core.data.Offset<Float> within(double v) {
        return org.assertj.core.data.Offset.offset((float) v);
    }

    @Test
    void findsBothFacesOfATestSceneAndNoneInTheEmptyFrame() throws Exception {
        assertThat(detect(TestScenes.frame(0, 640, 360)).count()).isEqualTo(2);
        assertThat(TestScenes.hasFaces(6)).isFalse();
        assertThat(detect(TestScenes.frame(6, 640, 360)).count()).isZero();
    }

    @Test
    void aCorruptFrameFailsThatFrameOnly() throws IOException {
        DetectionImage junk = new DetectionImage(ByteBuffer.wrap(new byte[] {(byte) 0xFF, (byte) 0xD8, 1, 2, 3}), "jpeg",
                10, 10);
        try (StreamingInferenceSession<DetectionImage, FaceDetections> session = StreamingInferenceSession
                .builder(model, new BlazeFaceTask(BlazeFaceConfig.DEFAULT, null, 40_000_000L)).build()) {
            session.submit(junk);
            InferenceResult<FaceDetections> r = null;
            for (int i = 0; i < 2000 && r == null; i++) {
                r = session.pollResult();
                Thread.onSpinWait();
                if (r == null) {
                    try {
                        Thread.sleep(5);
                    } catch (InterruptedException e) {
                        throw new AssertionError(e);
                    }
                }
            }
            assertThat(r).isNotNull();
            assertThat(r.isSuccess()).isFalse();
            r.release();
        }
    }
}
