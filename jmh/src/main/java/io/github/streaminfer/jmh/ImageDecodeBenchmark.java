package io.github.streaminfer.jmh;

import io.github.streaminfer.image.ImageDecoder;
import io.github.streaminfer.image.ImageDecoders;
import io.github.streaminfer.image.ImageGeometry;
import io.github.streaminfer.image.ImageSpec;
import io.github.streaminfer.media.OpenCvDecoderConfig;
import io.github.streaminfer.media.OpenCvImageDecoder;
import io.github.streaminfer.tensor.DType;
import io.github.streaminfer.tensor.Tensor;
import io.github.streaminfer.tensor.TensorSpec;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;
import java.awt.Color;
import java.awt.Font;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.TimeUnit;

/**
 * The image path of every camera stream: one JPEG frame (640×480 or 1280×720, quality 90, a rendered scene) decoded
 * and written as a normalised float NCHW tensor, letterboxed to 640×640 (detectors) or resized to 96×96 (policies,
 * classifiers). OpenCV ({@code streaminfer-media-javacv}, by default and in its exact mode) and the built-in pure-Java
 * decoder side by side.
 *
 * <p>Targets: OpenCV at most 0.25× the Java time and at most 3 ms at 640×480; 0 B/op on the Java heap for OpenCV
 * ({@code -prof gc}).
 *
 * <pre>
 * java -jar jmh/target/benchmarks.jar ImageDecodeBenchmark -prof gc
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ImageDecodeBenchmark {

    /**
     * Decoder: {@code opencv} (the default configuration: reduced JPEG decoding, scratch-file input),
     * {@code opencv-imdecode} (the default but with {@code cv::imdecode} reading the bytes in place, which allocates
     * the returned {@code Mat} on the Java heap), {@code opencv-exact} ({@link OpenCvDecoderConfig#EXACT}: full-size
     * decoding, the same tensor as Java within one grey level) or {@code java}.
     */
    @Param({"opencv", "opencv-imdecode", "opencv-exact", "java"})
    public String decoder;

    /** Source JPEG size. */
    @Param({"640x480", "1280x720"})
    public String source;

    /** Target: {@code letterbox640} (640×640 letterboxed) or {@code resize96} (96×96 stretched). */
    @Param({"letterbox640", "resize96"})
    public String target;

    private ImageDecoder dec;
    private ImageSpec spec;
    private Tensor tensor;
    private ByteBuffer jpeg;
    private final ImageGeometry geometry = new ImageGeometry();

    /**
     * Renders and encodes the frame, allocates the tensor and picks the decoder.
     *
     * @throws IOException if the JPEG cannot be encoded
     */
    @Setup(Level.Trial)
    public void setUp() throws IOException {
        String[] wh = source.split("x");
        byte[] bytes = encode(render(Integer.parseInt(wh[0]), Integer.parseInt(wh[1])));
        jpeg = ByteBuffer.allocateDirect(bytes.length).order(ByteOrder.nativeOrder());
        jpeg.put(bytes).flip();
        spec = switch (target) {
            case "letterbox640" -> ImageSpec.builder(640, 640).resize(ImageSpec.ResizeMode.LETTERBOX).build();
            case "resize96" -> ImageSpec.builder(96, 96).build();
            default -> throw new IllegalArgumentException("target " + target);
        };
        tensor = Tensor.allocate(TensorSpec.of("images", DType.FLOAT32, 1, 3, spec.height(), spec.width()));
        dec = switch (decoder) {
            case "opencv-imdecode" -> new OpenCvImageDecoder(OpenCvDecoderConfig.DEFAULT.toBuilder()
                    .scratchFileDecode(false).build());
            case "opencv-exact" -> new OpenCvImageDecoder(OpenCvDecoderConfig.EXACT);
            default -> ImageDecoders.require(decoder);
        };
    }

    /** Releases the decoder's native buffers and the tensor. */
    @TearDown(Level.Trial)
    public void tearDown() {
        dec.close();
        tensor.free();
    }

    /**
     * @return the geometry (consumed by JMH)
     */
    @Benchmark
    public ImageGeometry decodeIntoTensor() {
        return dec.decodeInto(jpeg, spec, tensor, 0, geometry);
    }

    private static BufferedImage render(int w, int h) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_3BYTE_BGR);
        Graphics2D g = img.createGraphics();
        g.setPaint(new GradientPaint(0, 0, new Color(20, 60, 200), w, h, new Color(250, 200, 30)));
        g.fillRect(0, 0, w, h);
        g.setColor(new Color(200, 30, 40));
        g.fillOval(w / 8, h / 6, w / 3, h / 2);
        g.setColor(new Color(30, 180, 60));
        g.fillRect(w / 2, h / 3, w / 3, h / 3);
        g.setColor(Color.WHITE);
        for (int i = 0; i < 8; i++) {
            g.drawLine(i * w / 8, 0, w - i * w / 8, h);
        }
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, h / 8));
        g.drawString("StreamInfer", w / 10, h - h / 10);
        g.dispose();
        return img;
    }

    private static byte[] encode(BufferedImage img) throws IOException {
        ImageWriter w = ImageIO.getImageWritersByFormatName("jpeg").next();
        ImageWriteParam p = w.getDefaultWriteParam();
        p.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
        p.setCompressionQuality(0.9f);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (MemoryCacheImageOutputStream ios = new MemoryCacheImageOutputStream(out)) {
            w.setOutput(ios);
            w.write(null, new IIOImage(img, null, null), p);
        }
        w.dispose();
        return out.toByteArray();
    }
}
