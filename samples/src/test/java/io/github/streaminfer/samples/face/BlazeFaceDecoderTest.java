package io.github.streaminfer.samples.face;

import io.github.streaminfer.image.ImageGeometry;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** The anchor scheme and the decoding of fixed raw outputs, against values worked out by hand. */
class BlazeFaceDecoderTest {
    private static final int R = BlazeFaceDecoder.REGRESSORS;

    @Test
    void frontSchemeHas512StrideEightThen384StrideSixteenAnchorsInRowMajorOrder() {
        float[] a = BlazeFaceAnchors.front128();
        assertThat(a).hasSize(896 * 2);
        // cell (0, 0) of the 16 x 16 map carries two anchors
        assertThat(Arrays.copyOfRange(a, 0, 4)).containsExactly(0.5f / 16, 0.5f / 16, 0.5f / 16, 0.5f / 16);
        // anchor 2 is cell (x=1, y=0)
        assertThat(a[4]).isEqualTo(1.5f / 16);
        assertThat(a[5]).isEqualTo(0.5f / 16);
        // anchor 272 = cell (8, 8) of the 16 x 16 map
        assertThat(a[2 * 272]).isEqualTo(8.5f / 16);
        assertThat(a[2 * 272 + 1]).isEqualTo(8.5f / 16);
        // anchors 512..517: six anchors of cell (0, 0) of the 8 x 8 map (three layers of stride 16, two each)
        for (int k = 512; k < 518; k++) {
            assertThat(a[2 * k]).isEqualTo(0.5f / 8);
            assertThat(a[2 * k + 1]).isEqualTo(0.5f / 8);
        }
        assertThat(a[2 * 895]).isEqualTo(7.5f / 8);
        assertThat(a[2 * 895 + 1]).isEqualTo(7.5f / 8);
    }

    /** Anchor 272 (centre 68, 68), 273 (same cell), 638 (stride-16 cell x=5, y=2: centre 88, 40). */
    private static float[][] rawOutputs() {
        float[] scores = new float[896];
        Arrays.fill(scores, -10f);
        float[] reg = new float[896 * R];
        scores[272] = 3f;
        put(reg, 272, 2, -1, 20, 24, -5, -4);
        scores[273] = 2f; // nearly the same box: suppressed by the better one
        put(reg, 273, 3, 0, 20, 24, 0, 0);
        scores[638] = 1f;
        put(reg, 638, 0, 0, 30, 30, 1, 2);
        scores[100] = 500f; // clipped at 100 before the sigmoid, a zero-size box elsewhere
        put(reg, 100, 0, 0, 0, 0, 0, 0);
        return new float[][] {scores, reg};
    }

    private static void put(float[] reg, int anchor, float dx, float dy, float w, float h, float k0x, float k0y) {
        reg[anchor * R] = dx;
        reg[anchor * R + 1] = dy;
        reg[anchor * R + 2] = w;
        reg[anchor * R + 3] = h;
        for (int k = 0; k < 6; k++) {
            reg[anchor * R + 4 + 2 * k] = k0x + k;
            reg[anchor * R + 5 + 2 * k] = k0y - k;
        }
    }

    @Test
    void decodesAnchorOffsetsIntoTensorPixelBoxesBestFirstAndSuppressesOverlaps() {
        float[][] raw = rawOutputs();
        BlazeFaceDecoder d = new BlazeFaceDecoder(BlazeFaceConfig.DEFAULT, BlazeFaceAnchors.front128(), 128);
        FaceDetections faces = new FaceDetections(16);
        ImageGeometry identity = new ImageGeometry().set(128, 128, 1f, 1f, 0f, 0f);

        assertThat(d.decode(raw[0], raw[1], identity, faces)).isEqualTo(3);

        // anchor 100: logit 500 clipped to 100, sigmoid 1; centre of cell (x=2, y=3) of the 16 x 16 map: (20, 28)
        assertThat(faces.score(0)).isEqualTo(1f);
        assertThat(faces.x1(0)).isEqualTo(20f);
        assertThat(faces.y1(0)).isEqualTo(28f);
        // anchor 272: centre (68 + 2, 68 - 1) = (70, 67), 20 x 24
        assertThat(faces.score(1)).isCloseTo((float) (1 / (1 + Math.exp(-3))), within(1e-6f));
        assertThat(new float[] {faces.x1(1), faces.y1(1), faces.x2(1), faces.y2(1)})
                .containsExactly(60f, 55f, 80f, 79f);
        // keypoint k = anchor centre + (-5 + k, -4 - k)
        assertThat(faces.keypointX(1, 0)).isEqualTo(63f);
        assertThat(faces.keypointY(1, 0)).isEqualTo(64f);
        assertThat(faces.keypointX(1, 5)).isEqualTo(68f);
        assertThat(faces.keypointY(1, 5)).isEqualTo(59f);
        // anchor 638: centre (88, 40), 30 x 30; touches the first box only along an edge, so it is kept
        assertThat(faces.score(2)).isCloseTo((float) (1 / (1 + Math.exp(-1))), within(1e-6f));
        assertThat(new float[] {faces.x1(2), faces.y1(2), faces.x2(2), faces.y2(2)})
                .containsExactly(73f, 25f, 103f, 55f);
    }

    @Test
    void mapsBoxesThroughTheLetterboxBackToSourcePixels() {
        float[][] raw = rawOutputs();
        BlazeFaceDecoder d = new BlazeFaceDecoder(BlazeFaceConfig.DEFAULT.toBuilder().scoreThreshold(0.9f).build(),
                BlazeFaceAnchors.front128(), 128);
        FaceDetections faces = new FaceDetections(16);
        // a 256 x 128 source letterboxed into 128 x 128: scale 0.5, 32 rows of padding on top
        ImageGeometry g = new ImageGeometry().fit(io.github.streaminfer.image.ImageSpec.builder(128, 128)
                .resize(io.github.streaminfer.image.ImageSpec.ResizeMode.LETTERBOX).build(), 256, 128);

        assertThat(d.decode(raw[0], raw[1], g, faces)).as("threshold 0.9 keeps anchors 100 and 272").isEqualTo(2);
        assertThat(faces.sourceWidth()).isEqualTo(256);
        assertThat(new float[] {faces.x1(1), faces.y1(1), faces.x2(1), faces.y2(1)})
                .containsExactly(120f, 46f, 160f, 94f);
    }

    @Test
    void stopsAtMaxDetectionsAndAtTheHoldersCapacity() {
        float[][] raw = rawOutputs();
        BlazeFaceDecoder one = new BlazeFaceDecoder(BlazeFaceConfig.DEFAULT.toBuilder().maxDetections(1).build(),
                BlazeFaceAnchors.front128(), 128);
        FaceDetections faces = new FaceDetections(16);
        ImageGeometry identity = new ImageGeometry().set(128, 128, 1f, 1f, 0f, 0f);
        assertThat(one.decode(raw[0], raw[1], identity, faces)).isEqualTo(1);

        BlazeFaceDecoder all = new BlazeFaceDecoder(BlazeFaceConfig.DEFAULT, BlazeFaceAnchors.front128(), 128);
        FaceDetections two = new FaceDetections(2);
        assertThat(all.decode(raw[0], raw[1], identity, two)).isEqualTo(2);
        assertThat(two.score(1)).isLessThan(two.score(0));
    }

    @Test
    void refusesOutOfRangeSettingsNamingTheField() {
        assertThatThrownBy(() -> BlazeFaceConfig.builder().iouThreshold(1.5f).build())
                .hasMessage("iouThreshold is 1.5; allowed: 0 to 1");
        assertThatThrownBy(() -> BlazeFaceConfig.builder().maxDetections(0).build())
                .hasMessage("maxDetections is 0; allowed: 1 to 896");
    }
}
