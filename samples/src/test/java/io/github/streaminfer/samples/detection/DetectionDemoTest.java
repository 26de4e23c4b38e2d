package io.github.streaminfer.samples.detection;

import io.github.streaminfer.testkit.models.RealModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code bin/demo detection} on rendered scenes: every frame goes through both protocols of a started server and
 * comes back with the drawn faces boxed.
 */
class DetectionDemoTest {

    private static int boxPixels(BufferedImage im) {
        int n = 0;
        for (int y = 0; y < im.getHeight(); y++) {
            for (int x = 0; x < im.getWidth(); x++) {
                int p = im.getRGB(x, y);
                int r = (p >> 16) & 255;
                int g = (p >> 8) & 255;
                int b = p & 255;
                n += g > 180 && r < 90 && b < 150 ? 1 : 0; // the box colour, absent from the scenes
            }
        }
        return n;
    }

    @Test
    void findsBothFacesInEveryFaceFrameOverWebSocketAndRestSseAndDrawsTheBoxes(@TempDir Path out)
            throws Exception {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        DetectionDemo.Summary s = DetectionDemo.run(RealModel.BLAZEFACE_FRONT.fetch(), null, out, 8, 30,
                new PrintStream(log, true, StandardCharsets.UTF_8));
        String text = log.toString(StandardCharsets.UTF_8);

        assertThat(s.frames()).isEqualTo(8);
        assertThat(s.wsAnswered()).as(text).isEqualTo(8);
        assertThat(s.sseAnswered()).as(text).isEqualTo(8);
        assertThat(s.framesWithFace()).as("frame 6 has no face; %s", text).isEqualTo(7);
        assertThat(s.wsFaces()).as(text).isEqualTo(14);
        assertThat(s.sseFaces()).as("the same model answers both protocols alike").isEqualTo(s.wsFaces());

        BufferedImage boxed = ImageIO.read(out.resolve("websocket/frame_00000.jpg").toFile());
        BufferedImage viaSse = ImageIO.read(out.resolve("rest-sse/frame_00000.jpg").toFile());
        BufferedImage empty = ImageIO.read(out.resolve("websocket/frame_00006.jpg").toFile());
        assertThat(boxPixels(TestScenes.frame(0, 640, 360))).isZero();
        assertThat(boxPixels(boxed)).as("two boxes drawn").isGreaterThan(500);
        assertThat(boxPixels(viaSse)).isGreaterThan(500);
        assertThat(boxPixels(empty)).isZero();
    }
}
