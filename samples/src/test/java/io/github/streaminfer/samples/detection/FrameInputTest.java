package io.github.streaminfer.samples.detection;

import io.github.streaminfer.samples.face.BlazeFaceModel;
import io.github.streaminfer.testkit.models.RealModel;
import org.bytedeco.opencv.global.opencv_imgcodecs;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Size;
import org.bytedeco.opencv.opencv_videoio.VideoWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The detection sample's inputs: rendered scenes, image folders and video files. */
class FrameInputTest {

    private static List<BufferedImage> readAll(FrameInput in) {
        List<BufferedImage> frames = new ArrayList<>();
        for (BufferedImage f = in.next(); f != null; f = in.next()) {
            frames.add(f);
        }
        return frames;
    }

    @Test
    void scenesStopAtTheAskedCount() {
        try (FrameInput in = FrameInput.open(null, 3)) {
            List<BufferedImage> frames = readAll(in);
            assertThat(frames).hasSize(3);
            assertThat(frames.get(0).getWidth()).isEqualTo(FrameInput.SCENE_WIDTH);
        }
    }

    @Test
    void aFolderIsReadInNameOrderSkippingOtherFilesAndUnreadableImages(@TempDir Path dir) throws Exception {
        ImageIO.write(TestScenes.frame(0, 64, 36), "png", dir.resolve("b.png").toFile());
        ImageIO.write(TestScenes.frame(1, 32, 18), "jpeg", dir.resolve("a.jpg").toFile());
        Files.writeString(dir.resolve("c.jpg"), "not an image");
        Files.writeString(dir.resolve("notes.txt"), "ignored");
        try (FrameInput in = FrameInput.open(dir, 100)) {
            List<BufferedImage> frames = readAll(in);
            assertThat(frames).extracting(BufferedImage::getWidth).containsExactly(32, 64);
        }
        assertThatThrownBy(() -> FrameInput.open(dir.resolve("missing"), 1))
                .hasMessageContaining("allowed: a video file or an image folder");
    }

    @Test
    void aVideoFileIsReadFrameByFrameWithOpenCv(@TempDir Path dir) {
        Path video = dir.resolve("clip.avi");
        try (Size size = new Size(80, 48);
             VideoWriter w = new VideoWriter(video.toString(), VideoWriter.fourcc((byte) 'M', (byte) 'J',
                     (byte) 'P', (byte) 'G'), 10, size, true)) {
            assertThat(w.isOpened()).isTrue();
            for (int i = 0; i < 5; i++) {
                Path png = dir.resolve("f" + i + ".png");
                try {
                    ImageIO.write(TestScenes.frame(i, 80, 48), "png", png.toFile());
                } catch (java.io.IOException e) {
                    throw new AssertionError(e);
                }
                try (Mat m = opencv_imgcodecs.imread(png.toString())) {
                    w.write(m);
                }
            }
            w.release();
        }
        try (FrameInput in = FrameInput.open(video, 100)) {
            List<BufferedImage> frames = readAll(in);
            assertThat(frames).hasSize(5);
            assertThat(frames.get(4).getHeight()).isEqualTo(48);
        }
        try (FrameInput in = FrameInput.open(video, 2)) {
            assertThat(readAll(in)).as("at most the asked frames").hasSize(2);
        }
        Path junk = dir.resolve("junk.avi");
        try {
            Files.writeString(junk, "not a video");
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
        assertThatThrownBy(() -> FrameInput.open(junk, 1)).hasMessageContaining("cannot open");
    }

    @Test
    void theSamplesPinnedModelIsTheTestkitsPinnedModel() {
        assertThat(BlazeFaceModel.SHA256).isEqualTo(RealModel.BLAZEFACE_FRONT.sha256());
        assertThat(BlazeFaceModel.FILE_NAME).isEqualTo(RealModel.BLAZEFACE_FRONT.fileName());
        assertThat(BlazeFaceModel.NPM_PACKAGE).isEqualTo(RealModel.BLAZEFACE_FRONT.npmPackage());
    }
}
