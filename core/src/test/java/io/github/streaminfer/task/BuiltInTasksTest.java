package io.github.streaminfer.task;

import io.github.streaminfer.backend.ModelSignature;
import io.github.streaminfer.exceptions.InvalidInputException;
import io.github.streaminfer.image.ImageGeometry;
import io.github.streaminfer.image.ImageSpec;
import io.github.streaminfer.image.PixelFormat;
import io.github.streaminfer.tensor.DType;
import io.github.streaminfer.tensor.Tensor;
import io.github.streaminfer.tensor.TensorSpec;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** The built-in tasks' own logic, without a backend: windows, image fitting, decoding and NMS. */
class BuiltInTasksTest {

    @Test
    void signalWindowBuffersUntilFullThenEveryHopAndResets() {
        SignalWindowTask task = SignalWindowTask.builder(2, 4, 2).build();
        TensorSpec in = TensorSpec.of("x", DType.FLOAT32, 1, 2, 4);
        task.bind(new ModelSignature(List.of(in), List.of(TensorSpec.of("y", DType.FLOAT32, 1, 3))));
        Tensor[] inputs = {Tensor.allocate(in)};
        task.preprocess(new float[] {1, 10, 2, 20}, inputs);
        assertThat(task.ready()).isFalse();
        task.preprocess(new float[] {3, 30, 4, 40}, inputs);
        assertThat(task.ready()).isTrue();
        float[] got = new float[8];
        inputs[0].getFloats(0, got, 0, 8);
        assertThat(got).containsExactly(1, 2, 3, 4, 10, 20, 30, 40); // channel-major, oldest first
        task.preprocess(new float[] {5, 50}, inputs);
        assertThat(task.ready()).isFalse(); // one frame is less than a hop
        task.preprocess(new float[] {6, 60}, inputs);
        assertThat(task.ready()).isTrue();
        inputs[0].getFloats(0, got, 0, 8);
        assertThat(got).containsExactly(3, 4, 5, 6, 30, 40, 50, 60);
        task.reset();
        task.preprocess(new float[] {7, 70, 8, 80}, inputs);
        assertThat(task.ready()).isFalse();
        assertThatThrownBy(() -> SignalWindowTask.builder(2, 4, 5)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("hop is 5");
        SignalWindowTask wrong = SignalWindowTask.builder(3, 4, 2).build();
        assertThatThrownBy(() -> wrong.bind(new ModelSignature(List.of(in),
                List.of(TensorSpec.of("y", DType.FLOAT32, 1, 3))))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("3 channel(s) x 4 samples");
    }

    @Test
    void rawImagesAreFittedChannelSwappedAndLetterboxed() {
        ImageSpec same = ImageSpec.builder(2, 1).scale(1f).build();
        ImageInput input = new ImageInput(same, null);
        Tensor t = Tensor.allocate(TensorSpec.of("img", DType.FLOAT32, 1, 3, 1, 2));
        ImageGeometry g = new ImageGeometry();
        byte[] bgr = {1, 2, 3, 4, 5, 6};
        input.write(ImageFrame.raw(new RawImage(2, 1, PixelFormat.BGR, bgr)), t, 0, g);
        float[] got = new float[6];
        t.getFloats(0, got, 0, 6);
        assertThat(got).containsExactly(3, 6, 2, 5, 1, 4); // NCHW, R plane first

        input.write(ImageFrame.raw(new RawImage(2, 1, PixelFormat.GRAY, new byte[] {9, (byte) 200, 0, 0, 0, 0})),
                t, 0, g);
        t.getFloats(0, got, 0, 6);
        assertThat(got).containsExactly(9, 200, 9, 200, 9, 200);

        // a 4x2 image letterboxed into 4x4: scale 1, 1 px of pad colour above and below
        ImageSpec box = ImageSpec.builder(4, 4).scale(1f).resize(ImageSpec.ResizeMode.LETTERBOX).padColor(0x0A141E)
                .layout(ImageSpec.Layout.NHWC).build();
        ImageInput lb = new ImageInput(box, null);
        Tensor t2 = Tensor.allocate(TensorSpec.of("img", DType.FLOAT32, 1, 4, 4, 3));
        byte[] px = new byte[4 * 2 * 3];
        java.util.Arrays.fill(px, (byte) 100);
        lb.write(ImageFrame.raw(new RawImage(4, 2, PixelFormat.RGB, px)), t2, 0, g);
        assertThat(g.padY()).isEqualTo(1f);
        assertThat(t2.getFloat(0)).isEqualTo(10f);   // row 0: pad R
        assertThat(t2.getFloat(2)).isEqualTo(30f);   // pad B
        assertThat(t2.getFloat(4 * 3)).isEqualTo(100f); // row 1: image
        assertThat(t2.getFloat(3 * 4 * 3 + 1)).isEqualTo(20f); // row 3: pad G
        assertThat(g.toSourceY(1f)).isEqualTo(0f);

        assertThatThrownBy(() -> input.write(new ImageFrame(), t, 0, g))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("empty");
        assertThatThrownBy(() -> new RawImage(2, 2, PixelFormat.RGB, new byte[11]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("needs 12 bytes");
    }

    @Test
    void detectionDecodeThresholdNmsAndLimit() {
        ImageSpec spec = ImageSpec.builder(100, 100).build();
        DetectionTask task = DetectionTask.builder(spec).layout(DetectionTask.Layout.YOLOV8_TRANSPOSED)
                .confidenceThreshold(0.3f).iouThreshold(0.5f).maxDetections(2).build();
        TensorSpec img = TensorSpec.of("images", DType.FLOAT32, 1, 3, 100, 100);
        TensorSpec out = TensorSpec.of("out", DType.FLOAT32, 1, 4, 6);
        task.bind(new ModelSignature(List.of(img), List.of(out)));
        Tensor[] inputs = {Tensor.allocate(img)};
        task.preprocess(ImageFrame.raw(new RawImage(100, 100, PixelFormat.RGB, new byte[30000])), inputs);
        Tensor o = Tensor.allocate(out);
        float[][] rows = {
                {50, 50, 20, 20, 0.9f, 0.1f},
                {52, 50, 20, 20, 0.8f, 0.1f},  // IoU with the first ~0.82: suppressed
                {10, 10, 4, 4, 0.1f, 0.35f},   // class 1
                {80, 80, 10, 10, 0.2f, 0.2f},  // below threshold
        };
        for (int r = 0; r < 4; r++) {
            o.putFloats(r * 6L, rows[r], 0, 6);
        }
        Detections d = task.newOutput();
        task.decode(new Tensor[] {o}, d);
        assertThat(d.count()).isEqualTo(2);
        assertThat(d.score(0)).isEqualTo(0.9f);
        assertThat(d.x1(0)).isCloseTo(40f, within(1e-4f));
        assertThat(d.y2(0)).isCloseTo(60f, within(1e-4f));
        assertThat(d.classId(1)).isEqualTo(1);
        assertThat(NonMaxSuppression.iou(0, 0, 10, 10, 5, 0, 15, 10)).isCloseTo(1f / 3f, within(1e-6f));
        assertThatThrownBy(() -> DetectionTask.builder(spec).layout(DetectionTask.Layout.YOLOV8).build()
                .bind(new ModelSignature(List.of(img), List.of(out)))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("[1, 4+C, N]");
    }

    @Test
    void activationsAndRanking() {
        float[] v = {1, 2, 3};
        Activation.SOFTMAX.apply(v, 3);
        assertThat(v[0] + v[1] + v[2]).isCloseTo(1f, within(1e-6f));
        assertThat(v[2]).isGreaterThan(v[1]);
        float[] s = {0};
        Activation.SIGMOID.apply(s, 1);
        assertThat(s[0]).isEqualTo(0.5f);
        Classification c = new Classification(3, 2, List.of("a", "b", "c"));
        Tensor t = Tensor.allocate(TensorSpec.of("p", DType.FLOAT32, 1, 3));
        t.putFloats(0, new float[] {0.2f, 0.7f, 0.1f}, 0, 3);
        c.fill(t, 0, 3, Activation.NONE, -1);
        assertThat(c.bestLabel()).isEqualTo("b");
        assertThat(c.topIndex(1)).isEqualTo(0);
        assertThat(c.topCount()).isEqualTo(2);
    }
}
