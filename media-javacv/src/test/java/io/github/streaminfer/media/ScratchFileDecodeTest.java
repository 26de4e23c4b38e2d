package io.github.streaminfer.media;

import io.github.streaminfer.exceptions.InvalidImageException;
import io.github.streaminfer.image.ImageGeometry;
import io.github.streaminfer.image.ImageSpec;
import io.github.streaminfer.tensor.DType;
import io.github.streaminfer.tensor.Tensor;
import io.github.streaminfer.testkit.TestImages;
import org.bytedeco.javacpp.Pointer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static io.github.streaminfer.media.OpenCvImageDecoderTest.badHuffmanTable;
import static io.github.streaminfer.media.OpenCvImageDecoderTest.tensor;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Decoding through the scratch file ({@link OpenCvDecoderConfig#scratchFileDecode()}, the default): the same tensor
 * as {@code cv::imdecode}, no Java heap allocation per frame, failures detected, the file private and released.
 */
class ScratchFileDecodeTest {
    private static final OpenCvDecoderConfig IMDECODE = OpenCvDecoderConfig.DEFAULT.toBuilder()
            .scratchFileDecode(false).build();

    private final OpenCvImageDecoder file = new OpenCvImageDecoder();
    private final OpenCvImageDecoder memory = new OpenCvImageDecoder(IMDECODE);
    private final ImageGeometry gf = new ImageGeometry();
    private final ImageGeometry gm = new ImageGeometry();

    @AfterEach
    void close() {
        file.close();
        memory.close();
    }

    /** @return the descriptors of this process that hold a scratch file, as their link texts */
    private static List<String> scratchDescriptors() throws IOException {
        List<String> found = new ArrayList<>();
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
            for (Path fd : fds) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.contains("streaminfer-frame-")) {
                        found.add(target);
                    }
                } catch (IOException closedMeanwhile) {
                    // the directory stream's own descriptor, or one closed while listing
                }
            }
        }
        return found;
    }

    private void assertSameTensor(ByteBuffer encoded, ImageSpec spec, String what) {
        Tensor a = tensor(spec);
        Tensor b = tensor(spec);
        file.decodeInto(encoded, spec, a, 0, gf);
        memory.decodeInto(encoded, spec, b, 0, gm);
        assertThat(file.scratchFileInUse()).as("scratch file used, %s", what).isTrue();
        assertThat(memory.scratchFileInUse()).isFalse();
        assertThat(a.buffer()).as(what).isEqualTo(b.buffer());
        assertThat(gf.toString()).isEqualTo(gm.toString());
    }

    @Test
    void givesTheSameTensorAsImdecodeForEveryKindOfInput() throws IOException {
        ImageSpec[] specs = {
                ImageSpec.builder(640, 640).resize(ImageSpec.ResizeMode.LETTERBOX).build(),
                ImageSpec.builder(96, 96).build(),
                ImageSpec.builder(64, 80).resize(ImageSpec.ResizeMode.LETTERBOX).layout(ImageSpec.Layout.NHWC)
                        .dtype(DType.UINT8).build(),
        };
        int[][] sizes = {{37, 23}, {640, 480}, {1280, 720}, {1000, 750}};
        for (int[] s : sizes) {
            for (boolean grey : new boolean[]{false, true}) {
                byte[] jpeg = TestImages.jpeg(TestImages.scene(s[0], s[1], grey), 0.9f);
                byte[] png = TestImages.png(TestImages.scene(s[0], s[1], grey));
                for (ImageSpec spec : specs) {
                    String what = s[0] + "x" + s[1] + " grey=" + grey + " -> " + spec.width() + "x" + spec.height();
                    assertSameTensor(TestImages.direct(jpeg), spec, "direct JPEG " + what);
                    assertSameTensor(TestImages.direct(png), spec, "direct PNG " + what);
                    assertSameTensor(ByteBuffer.wrap(jpeg), spec, "heap JPEG " + what);
                    assertSameTensor(ByteBuffer.wrap(png).asReadOnlyBuffer(), spec, "read-only PNG " + what);
                }
            }
        }
        // a direct buffer read from the middle, smaller frames after larger ones (the file shrinks), then larger
        byte[] small = TestImages.jpeg(TestImages.scene(64, 48, false), 0.9f);
        ByteBuffer shifted = ByteBuffer.allocateDirect(small.length + 100);
        shifted.position(37);
        shifted.put(small).position(37).limit(37 + small.length);
        assertSameTensor(shifted, specs[1], "offset direct JPEG");
        assertThat(shifted.position()).isEqualTo(37);
        assertThat(shifted.limit()).isEqualTo(37 + small.length);
        assertSameTensor(TestImages.direct(TestImages.jpeg(TestImages.scene(1920, 1080, false), 0.9f)), specs[0],
                "large JPEG after a small one");

        // the file has no name: one descriptor holds it, and nothing is left in the directory
        assertThat(file.scratchFileUnavailabilityCause()).isNull();
        assertThat(scratchDescriptors()).anyMatch(t -> t.endsWith("(deleted)"));
        try (var names = Files.list(ScratchFile.DIRECTORY)) {
            assertThat(names.map(Path::toString)).noneMatch(n -> n.contains("streaminfer-frame-"));
        }
    }

    @Test
    void allocatesNothingOnTheJavaHeapPerFrame() {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long thread = Thread.currentThread().getId();
        ImageSpec letterbox = ImageSpec.builder(640, 640).resize(ImageSpec.ResizeMode.LETTERBOX).build();
        ImageSpec small = ImageSpec.builder(96, 96).build();
        Object[][] cases = {
                {"direct JPEG 1280x720 -> 640x640 at 1/2",
                        TestImages.direct(TestImages.jpeg(TestImages.scene(1280, 720, false), 0.9f)), letterbox},
                {"direct JPEG 640x480 -> 96x96 at 1/4",
                        TestImages.direct(TestImages.jpeg(TestImages.scene(640, 480, false), 0.9f)), small},
                {"heap JPEG 640x480 -> 640x640",
                        ByteBuffer.wrap(TestImages.jpeg(TestImages.scene(640, 480, false), 0.9f)), letterbox},
                {"direct PNG 320x240 -> 96x96",
                        TestImages.direct(TestImages.png(TestImages.scene(320, 240, false))), small},
        };
        for (Object[] c : cases) {
            ByteBuffer encoded = (ByteBuffer) c[1];
            ImageSpec spec = (ImageSpec) c[2];
            Tensor t = tensor(spec);
            for (int i = 0; i < 50; i++) {
                file.decodeInto(encoded, spec, t, 0, gf);
            }
            long pointersBefore = Pointer.totalBytes();
            int frames = 300;
            long before = mx.getThreadAllocatedBytes(thread);
            for (int i = 0; i < frames; i++) {
                file.decodeInto(encoded, spec, t, 0, gf);
            }
            long perFrame = (mx.getThreadAllocatedBytes(thread) - before) / frames;
            System.out.println(c[0] + ": Java heap " + perFrame + " B/frame");
            assertThat(file.scratchFileInUse()).isTrue();
            assertThat(perFrame).as("Java heap bytes per frame, %s", c[0]).isLessThan(16);
            assertThat(Pointer.totalBytes()).as("JavaCPP native bytes, %s", c[0]).isEqualTo(pointersBefore);
        }
    }

    @Test
    void aFrameOpenCvCannotDecodeIsRefusedNotMistakenForThePreviousOne() {
        ImageSpec spec = ImageSpec.builder(64, 48).dtype(DType.UINT8).build();
        byte[] good = TestImages.jpeg(TestImages.scene(64, 48, false), 0.9f);
        Tensor expected = tensor(spec);
        memory.decodeInto(TestImages.direct(good), spec, expected, 0, gm);
        Tensor t = tensor(spec);
        file.decodeInto(TestImages.direct(good), spec, t, 0, gf);
        assertThat(t.buffer()).isEqualTo(expected.buffer());

        // on a header it refuses, cv::imread returns without writing the destination (which holds the last frame)
        ByteBuffer bad = TestImages.direct(badHuffmanTable(good));
        assertThatThrownBy(() -> memory.decodeInto(bad, spec, tensor(spec), 0, gm))
                .isInstanceOf(InvalidImageException.class).hasMessageContaining("corrupt JPEG");
        assertThatThrownBy(() -> file.decodeInto(bad, spec, tensor(spec), 0, gf))
                .isInstanceOf(InvalidImageException.class).hasMessageContaining("corrupt JPEG");
        assertThat(file.scratchFileInUse()).isTrue();

        // and after frames that fail in the header or in the pixel data, the next good frame is right again
        Random r = new Random(11);
        int refused = 0;
        for (int i = 0; i < 200; i++) {
            byte[] m = good.clone();
            for (int k = 0; k < 1 + r.nextInt(4); k++) {
                m[2 + r.nextInt(m.length - 4)] = (byte) r.nextInt(256);
            }
            try {
                file.decodeInto(TestImages.direct(m), spec, tensor(spec), 0, gf);
            } catch (InvalidImageException expectedRefusal) {
                refused++;
            }
            file.decodeInto(TestImages.direct(good), spec, t, 0, gf);
            assertThat(t.buffer()).as("good frame after mutation %d", i).isEqualTo(expected.buffer());
        }
        assertThat(refused).isPositive();
    }

    @Test
    void fallsBackToImdecodeWhereNoScratchFileCanBeMade() {
        Path missing = Path.of("/nonexistent-streaminfer-scratch");
        ImageSpec spec = ImageSpec.builder(96, 96).build();
        ByteBuffer jpeg = TestImages.direct(TestImages.jpeg(TestImages.scene(640, 480, false), 0.9f));
        try (OpenCvImageDecoder d = new OpenCvImageDecoder(OpenCvDecoderConfig.DEFAULT, missing);
             OpenCvImageDecoder copy = (OpenCvImageDecoder) d.newInstance()) {
            for (OpenCvImageDecoder x : new OpenCvImageDecoder[]{d, copy}) {
                Tensor a = tensor(spec);
                Tensor b = tensor(spec);
                x.decodeInto(jpeg, spec, a, 0, gf);
                memory.decodeInto(jpeg, spec, b, 0, gm);
                assertThat(a.buffer()).isEqualTo(b.buffer());
                assertThat(x.scratchFileInUse()).isFalse();
                assertThat(x.scratchFileUnavailabilityCause()).isInstanceOf(NoSuchFileException.class);
            }
        }
        assertThat(memory.scratchFileUnavailabilityCause()).isNull();
    }

    @Test
    void closeReleasesTheFile() throws IOException {
        int before = scratchDescriptors().size();
        OpenCvImageDecoder d = new OpenCvImageDecoder();
        ImageSpec spec = ImageSpec.builder(32, 32).build();
        d.decodeInto(TestImages.direct(TestImages.jpeg(TestImages.scene(64, 64, false), 0.9f)), spec, tensor(spec),
                0, gf);
        assertThat(d.scratchFileInUse()).isTrue();
        assertThat(scratchDescriptors()).hasSize(before + 1);
        d.close();
        assertThat(scratchDescriptors()).hasSize(before);
    }
}
