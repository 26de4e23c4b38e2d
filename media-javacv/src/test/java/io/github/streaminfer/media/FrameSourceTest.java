package io.github.streaminfer.media;

import io.github.streaminfer.testkit.TestImages;

import io.github.streaminfer.backend.ModelSignature;
import io.github.streaminfer.exceptions.FrameSupersededException;
import io.github.streaminfer.image.ImageDecoder;
import io.github.streaminfer.image.ImageDecoders;
import io.github.streaminfer.image.ImageGeometry;
import io.github.streaminfer.image.ImageSpec;
import io.github.streaminfer.image.PixelFormat;
import io.github.streaminfer.image.PooledFrame;
import io.github.streaminfer.session.IngressPolicy;
import io.github.streaminfer.session.SessionConfig;
import io.github.streaminfer.session.StreamingInferenceSession;
import io.github.streaminfer.task.ImageFrame;
import io.github.streaminfer.task.InferenceTask;
import io.github.streaminfer.tensor.DType;
import io.github.streaminfer.tensor.Tensor;
import io.github.streaminfer.testkit.ScriptedModel;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.bytedeco.opencv.opencv_core.Size;
import org.bytedeco.opencv.opencv_videoio.VideoWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;

class FrameSourceTest {
    @TempDir
    Path dir;

    /** Decodes or fits each frame into a 16x16 input; the scripted model outputs the mean, in 0..255. */
    static final class MeanTask implements InferenceTask<PooledFrame, float[]> {
        final ImageSpec spec = ImageSpec.builder(16, 16).scale(1f).build();
        final ImageDecoder decoder = ImageDecoders.best();
        final ImageGeometry geometry = new ImageGeometry();
        boolean superseded;

        @Override
        public void bind(ModelSignature model) {
        }

        @Override
        public boolean ready() {
            return !superseded;
        }

        @Override
        public float[] newOutput() {
            return new float[1];
        }

        @Override
        public void preprocess(PooledFrame frame, Tensor[] inputs) {
            try {
                frame.writeInto(decoder, spec, inputs[0], 0, geometry);
                superseded = false;
            } catch (FrameSupersededException e) {
                superseded = true; // nothing was read; the newer frame is queued
            }
        }

        @Override
        public void decode(Tensor[] outputs, float[] into) {
            into[0] = outputs[0].getFloat(0);
        }
    }

    private static ScriptedModel meanModel() {
        return ScriptedModel.builder().input("image", DType.FLOAT32, 1, 3, 16, 16)
                .output("mean", DType.FLOAT32, 1, 1).script((in, out) -> {
                    double sum = 0;
                    for (long i = 0; i < in[0].elementCount(); i++) {
                        sum += in[0].getFloat(i);
                    }
                    out[0].putFloat(0, (float) (sum / in[0].elementCount()));
                }).build();
    }

    private static StreamingInferenceSession<PooledFrame, float[]> session(MeanTask task, List<Float> means,
                                                                         List<Throwable> errors) {
        return StreamingInferenceSession.builder(meanModel(), task)
                .config(SessionConfig.DEFAULT.toBuilder().name("frames").ingress(IngressPolicy.block(2)).build())
                .listener(r -> {
                    if (r.isSuccess()) {
                        means.add(r.value()[0]);
                    }
                })
                .errorHandler((name, id, e) -> errors.add(e))
                .build();
    }

    private Path writeVideo(String name, int frames) {
        Path file = dir.resolve(name);
        try (Size size = new Size(64, 48);
             VideoWriter w = new VideoWriter(file.toString(), VideoWriter.fourcc((byte) 'M', (byte) 'J',
                     (byte) 'P', (byte) 'G'), 10, size, true)) {
            assertThat(w.isOpened()).as("MJPG writer opens").isTrue();
            for (int i = 0; i < frames; i++) {
                int v = 20 + i * 10;
                try (Scalar grey = new Scalar(v, v, v, 0); Mat m = new Mat(48, 64, CV_8UC3, grey)) {
                    w.write(m);
                }
            }
            w.release();
        }
        return file;
    }

    @Test
    void videoFileIsReadCompletelyInOrderAndStops() throws Exception {
        Path video = writeVideo("clip.avi", 20);
        List<Float> means = Collections.synchronizedList(new ArrayList<>());
        List<Throwable> errors = Collections.synchronizedList(new ArrayList<>());
        MeanTask task = new MeanTask();
        try (var session = session(task, means, errors);
             FrameSource source = FrameSource.videoFile(video, FrameSourceConfig.builder().poolSize(6).build())) {
            source.start(session);
            assertThat(source.awaitEnd(20, TimeUnit.SECONDS)).isTrue();
            assertThat(session.drainAndClose(10, TimeUnit.SECONDS)).isTrue();
            FrameSourceStats st = source.stats();
            assertThat(st.read()).isEqualTo(20);
            assertThat(st.submitted()).isEqualTo(20);
            assertThat(st.dropped()).isZero();
            assertThat(st.errors()).isZero();
            assertThat(st.failure()).isNull();
            assertThat(st.running()).isFalse();
        } finally {
            task.decoder.close();
        }
        assertThat(errors).isEmpty();
        assertThat(means).hasSize(20);
        for (int i = 0; i < 20; i++) {
            assertThat(means.get(i)).as("frame %d", i).isCloseTo(20 + i * 10, within(4f));
        }
    }

    @Test
    void videoLoopsUntilTheFrameLimitAndPacesAtTheChosenFps() throws Exception {
        Path video = writeVideo("loop.avi", 5);
        List<Float> means = Collections.synchronizedList(new ArrayList<>());
        MeanTask task = new MeanTask();
        try (var session = session(task, means, new ArrayList<>());
             FrameSource source = FrameSource.videoFile(video, FrameSourceConfig.builder().loop(true).maxFrames(12)
                     .fps(100).build())) {
            long t0 = System.nanoTime();
            source.start(session);
            assertThat(source.awaitEnd(20, TimeUnit.SECONDS)).isTrue();
            long elapsedMs = (System.nanoTime() - t0) / 1_000_000;
            assertThat(elapsedMs).as("12 frames at 100 fps").isGreaterThanOrEqualTo(100);
            assertThat(source.stats().read()).isEqualTo(12);
            assertThat(source.stats().submitted() + source.stats().dropped()).isEqualTo(12);
            session.drainAndClose(10, TimeUnit.SECONDS);
        } finally {
            task.decoder.close();
        }
        // the sixth frame read is the first frame again
        assertThat(means.size()).isGreaterThanOrEqualTo(6);
    }

    @Test
    void imageFolderSubmitsImagesAndSkipsCorruptFiles() throws Exception {
        for (int i = 0; i < 4; i++) {
            var img = TestImages.scene(40 + i * 30, 30 + i * 20, i % 2 == 1);
            Files.write(dir.resolve("img" + i + (i % 2 == 0 ? ".jpg" : ".png")),
                    i % 2 == 0 ? TestImages.jpeg(img, 0.9f) : TestImages.png(img));
        }
        byte[] jpeg = TestImages.jpeg(TestImages.scene(50, 50, false), 0.9f);
        Files.write(dir.resolve("img5-truncated.jpg"), Arrays.copyOf(jpeg, jpeg.length / 2));
        Files.write(dir.resolve("img6-huge.png"), TestImages.pngHeader(30_000, 30_000));
        Files.writeString(dir.resolve("notes.txt"), "not an image");
        List<Float> means = Collections.synchronizedList(new ArrayList<>());
        List<Throwable> sourceErrors = Collections.synchronizedList(new ArrayList<>());
        MeanTask task = new MeanTask();
        try (var session = session(task, means, new ArrayList<>());
             FrameSource source = FrameSource.imageFolder(dir, FrameSourceConfig.DEFAULT)
                     .errorHandler((name, id, e) -> sourceErrors.add(e))) {
            source.start(session);
            assertThat(source.awaitEnd(20, TimeUnit.SECONDS)).isTrue();
            session.drainAndClose(10, TimeUnit.SECONDS);
            FrameSourceStats st = source.stats();
            assertThat(st.read()).isEqualTo(4);
            assertThat(st.submitted()).isEqualTo(4);
            assertThat(st.errors()).isEqualTo(2);
        } finally {
            task.decoder.close();
        }
        assertThat(means).hasSize(4);
        assertThat(sourceErrors).hasSize(2);
        assertThat(sourceErrors.get(0).getMessage()).contains("img5-truncated.jpg").contains("truncated");
        assertThat(sourceErrors.get(1).getMessage()).contains("img6-huge.png").contains("30000x30000");
    }

    @Test
    void missingCameraIsAClearError() {
        MeanTask task = new MeanTask();
        try (var session = session(task, new ArrayList<>(), new ArrayList<>());
             FrameSource camera = FrameSource.camera(7, FrameSourceConfig.DEFAULT)) {
            assertThatThrownBy(() -> camera.start(session)).isInstanceOf(FrameSourceException.class)
                    .hasMessageContaining("camera 7").hasMessageContaining("/dev/video7");
            assertThat(camera.stats().running()).isFalse();
        } finally {
            task.decoder.close();
        }
    }

    @Test
    void missingUnreadableAndCorruptFilesAreClearErrors() throws IOException {
        Path garbage = dir.resolve("garbage.avi");
        byte[] noise = new byte[50_000];
        new java.util.Random(1).nextBytes(noise);
        Files.write(garbage, noise);
        Path video = writeVideo("cut.avi", 10);
        byte[] full = Files.readAllBytes(video);
        Path cut = dir.resolve("cut-short.avi");
        Files.write(cut, Arrays.copyOf(full, 300));
        Path emptyFolder = Files.createDirectory(dir.resolve("empty"));
        MeanTask task = new MeanTask();
        try (var session = session(task, new ArrayList<>(), new ArrayList<>())) {
            for (FrameSource s : List.of(FrameSource.videoFile(dir.resolve("missing.avi"), FrameSourceConfig.DEFAULT),
                    FrameSource.videoFile(garbage, FrameSourceConfig.DEFAULT),
                    FrameSource.videoFile(cut, FrameSourceConfig.DEFAULT),
                    FrameSource.imageFolder(dir.resolve("nope"), FrameSourceConfig.DEFAULT),
                    FrameSource.imageFolder(emptyFolder, FrameSourceConfig.DEFAULT))) {
                try (s) {
                    assertThatThrownBy(() -> s.start(session)).isInstanceOf(FrameSourceException.class)
                            .satisfies(e -> System.out.println("clear error: " + e.getMessage()));
                }
            }
        } finally {
            task.decoder.close();
        }
    }

    @Test
    void videoTruncatedMidwayEndsEarlyWithoutACrash() throws Exception {
        Path video = writeVideo("long.avi", 30);
        byte[] full = Files.readAllBytes(video);
        Path cut = dir.resolve("half.avi");
        Files.write(cut, Arrays.copyOf(full, full.length * 6 / 10));
        MeanTask task = new MeanTask();
        try (var session = session(task, new ArrayList<>(), new ArrayList<>());
             FrameSource source = FrameSource.videoFile(cut, FrameSourceConfig.DEFAULT)) {
            try {
                source.start(session);
                assertThat(source.awaitEnd(20, TimeUnit.SECONDS)).isTrue();
                assertThat(source.stats().read()).isBetween(0L, 30L);
            } catch (FrameSourceException acceptable) {
                assertThat(acceptable.getMessage()).contains("half.avi");
            }
        } finally {
            task.decoder.close();
        }
    }

    @Test
    void feedsABuiltInClassifierTaskThroughTheAdapter() throws Exception {
        Path video = writeVideo("classify.avi", 8);
        ImageSpec spec = ImageSpec.builder(16, 16).build();
        ScriptedModel model = ScriptedModel.builder().input("x", DType.FLOAT32, 1, 3, 16, 16)
                .output("logits", DType.FLOAT32, 1, 2).script((in, out) -> {
                    double sum = 0;
                    for (long i = 0; i < in[0].elementCount(); i++) {
                        sum += in[0].getFloat(i);
                    }
                    float mean = (float) (sum / in[0].elementCount());
                    out[0].putFloat(0, mean);        // class 0: bright
                    out[0].putFloat(1, 0.5f);        // class 1: dark
                }).build();
        // the task uses the decoder it is given and leaves closing it to its owner
        ImageDecoder decoder = ImageDecoders.best();
        var task = PooledFrameTask.wrap(io.github.streaminfer.task.ClassifierTask.builder(spec).decoder(decoder)
                .build());
        List<Integer> best = Collections.synchronizedList(new ArrayList<>());
        List<Throwable> errors = Collections.synchronizedList(new ArrayList<>());
        try (decoder; var session = StreamingInferenceSession.builder(model, task)
                .config(SessionConfig.DEFAULT.toBuilder().ingress(IngressPolicy.block(2)).build())
                .listener(r -> {
                    if (r.isSuccess()) {
                        best.add(r.value().best());
                    }
                })
                .errorHandler((n, id, e) -> errors.add(e)).build();
             FrameSource source = FrameSource.videoFile(video, FrameSourceConfig.DEFAULT)) {
            source.start(session);
            assertThat(source.awaitEnd(20, TimeUnit.SECONDS)).isTrue();
            session.drainAndClose(10, TimeUnit.SECONDS);
        }
        assertThat(errors).isEmpty();
        // frames are grey 20, 30, ... 90: mean/255 stays below 0.5, so class 1 wins every time
        assertThat(best).hasSize(8).containsOnly(1);
    }

    @Test
    void conflatingSessionWithASlowModelNeverSeesAReusedFrame() throws Exception {
        Path video = writeVideo("fast.avi", 40);
        List<Throwable> errors = Collections.synchronizedList(new ArrayList<>());
        List<Float> means = Collections.synchronizedList(new ArrayList<>());
        MeanTask task = new MeanTask();
        ScriptedModel slow = ScriptedModel.builder().input("image", DType.FLOAT32, 1, 3, 16, 16)
                .output("mean", DType.FLOAT32, 1, 1).latencyNanos(3_000_000).build();
        try (var session = StreamingInferenceSession.builder(slow, task)
                .config(SessionConfig.DEFAULT.toBuilder().ingress(IngressPolicy.LATEST_ONLY).build())
                .listener(r -> means.add(0f))
                .errorHandler((n, id, e) -> errors.add(e)).build();
             FrameSource source = FrameSource.videoFile(video, FrameSourceConfig.builder().poolSize(3).loop(true)
                     .maxFrames(200).build())) {
            source.start(session);
            assertThat(source.awaitEnd(30, TimeUnit.SECONDS)).isTrue();
            session.drainAndClose(10, TimeUnit.SECONDS);
            assertThat(source.stats().read()).isEqualTo(200);
            assertThat(source.stats().submitted()).isEqualTo(200);
            assertThat(session.stats().dropped()).as("conflated by the session").isPositive();
        } finally {
            task.decoder.close();
        }
        assertThat(errors).isEmpty();
        assertThat(means).isNotEmpty();
    }

    @Test
    void pooledFrameTaskSkipsAFrameItsSourceReclaimedAndReadsTheNextOne() {
        AtomicInteger reads = new AtomicInteger();
        InferenceTask<ImageFrame, float[]> inner = new InferenceTask<>() {
            @Override
            public void bind(ModelSignature model) {
            }

            @Override
            public float[] newOutput() {
                return new float[1];
            }

            @Override
            public void preprocess(ImageFrame frame, Tensor[] inputs) {
                reads.incrementAndGet();
            }

            @Override
            public void decode(Tensor[] outputs, float[] into) {
            }
        };
        PooledFrameTask<float[]> task = PooledFrameTask.wrap(inner);
        PooledFrame frame = new PooledFrame();
        assertThat(frame.tryClaim()).isTrue();
        frame.ensureCapacity(4);
        frame.publishPixels(PixelFormat.GRAY, 2, 2, 2, 1, 0);
        // the worker has taken the frame from the queue; before it reads, the source reclaims it
        assertThat(frame.tryClaim()).isTrue();
        task.preprocess(frame, new Tensor[0]);
        assertThat(task.ready()).as("skipped, not inferred").isFalse();
        assertThat(reads).hasValue(0);
        frame.publishPixels(PixelFormat.GRAY, 2, 2, 2, 2, 0);
        task.preprocess(frame, new Tensor[0]);
        assertThat(task.ready()).isTrue();
        assertThat(reads).hasValue(1);
        assertThat(frame.tryClaim()).as("released after reading").isTrue();
    }

    @Test
    void configIsValidated() {
        assertThatThrownBy(() -> FrameSourceConfig.builder().fps(-1).build()).hasMessageContaining("fps is -1.0");
        assertThatThrownBy(() -> FrameSourceConfig.builder().poolSize(1).build()).hasMessageContaining("poolSize");
        assertThat(FrameSourceConfig.DEFAULT.toBuilder().build()).isEqualTo(FrameSourceConfig.DEFAULT);
    }
}
