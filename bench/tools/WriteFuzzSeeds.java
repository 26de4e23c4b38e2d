import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * Writes the seed inputs of the Jazzer fuzz targets (regression corpus) into each module's
 * src/test/resources/<package>/<Class>Inputs/<method>/. Run from the repository root with the synthetic module and
 * protobuf-java on the class path (the tiny ONNX model comes from SyntheticModels.TinyMlp):
 *   java -cp synthetic/target/classes:core/target/classes:$PROTOBUF_JAR bench/tools/WriteFuzzSeeds.java .
 * Each seed is a valid input, a known attack from issue 11, or a boundary case; the fuzzer mutates from them.
 * The crash-* inputs beside the seeds are what .ci/fuzz found; they are kept, not written here.
 */
public class WriteFuzzSeeds {
    static Path root;

    public static void main(String[] args) throws Exception {
        root = Path.of(args.length > 0 ? args[0] : ".");
        byte[] jpeg = image("jpg", 17, 9, false);
        byte[] progressive = image("jpg", 33, 21, true);
        byte[] png = image("png", 17, 9, false);
        byte[] png16 = png(64, 64, 16, 6, new byte[64 * (1 + 64 * 8)]);   // 16-bit RGBA, all zeros
        byte[] bombHeader = pngHeaderOnly(5000, 5000, 16, 6);              // finding 4: claims 25 Mpx
        byte[][] images = {jpeg, progressive, png, png16, bombHeader, Arrays.copyOf(jpeg, jpeg.length - 2),
            Arrays.copyOf(png, 40), "GIF89a\1\0\1\0".getBytes(StandardCharsets.US_ASCII), new byte[0]};
        String[] imageNames = {"valid.jpg", "progressive.jpg", "valid.png", "rgba16.png", "bomb-header.png",
            "no-eoi.jpg", "truncated.png", "gif", "empty"};

        write("core", "io.github.streaminfer.image.ImageHeadersFuzzTest",
                "probeReturnsASizeWithinTheLimitsOrRefusesWithInvalidImage", imageNames, images);
        write("core", "io.github.streaminfer.image.JavaImageDecoderFuzzTest",
                "decodeFillsTheTensorWithNormalisedPixelsOrRefusesWithInvalidImage", imageNames, images);
        write("media-javacv", "io.github.streaminfer.media.OpenCvImageDecoderFuzzTest",
                "decodeFillsTheTensorWithNormalisedPixelsOrRefusesWithInvalidImage", imageNames, images);

        String b64 = Base64.getEncoder().encodeToString(jpeg);
        write("transport-netty", "io.github.streaminfer.transport.internal.http.WireImageFuzzTest",
                "imagesProbeWithinThePixelLimitOrRefuseWithProtocolErrors",
                new String[]{"valid.jpg", "valid.png", "bomb-header.png", "no-eoi.jpg", "base64.txt", "data-url.txt",
                    "base64-unpadded.txt", "base64-bad.txt"},
                new byte[][]{jpeg, png, bombHeader, Arrays.copyOf(jpeg, jpeg.length - 2), ascii(b64),
                    ascii("data:image/jpeg;base64," + b64), ascii(b64.replace("=", "")), ascii("AA=A" + b64)});

        String frame = "{\"type\":\"frame\",\"image\":\"data:image/jpeg;base64," + b64 + "\",\"instruction\":\"pick "
                + "up the cube\",\"robot_state\":{\"pose\":[0.1,0.2,0.3,0,0,0],\"velocity\":[0,0,0,0,0,0]}}";
        write("transport-netty", "io.github.streaminfer.transport.internal.vla.VlaFrameFuzzTest",
                "fastPathNeverThrowsAndAgreesWithTheTreePathWhichRefusesOnlyWithProtocolErrors",
                new String[]{"frame.json", "frame-id.json", "metadata.json", "escapes.json", "deep.json",
                    "non-finite.json", "duplicate-key.json", "huge-number.json", "long-state.json", "not-json"},
                new byte[][]{ascii(frame),
                    ascii("{\"type\":\"frame\",\"frame_id\":\"a-1\",\"frameNumber\":7,\"format\":\"jpeg\",\"image\":\""
                            + b64 + "\",\"robot_state\":null}"),
                    ascii("{\"type\":\"frame_metadata\",\"frame_id\":42,\"instruction\":\"go\",\"robot_state\":"
                            + "{\"pose\":[1,2],\"extra\":{\"a\":[1,{\"b\":null}]}}}"),
                    ascii("{\"type\":\"frame\",\"image\":\"" + b64 + "\",\"instruction\":\"a\\\"b\\u00e9\\n\\ud83d"
                            + "\\ude00\",\"robot_state\":{}}"),
                    ascii("{\"type\":\"frame\",\"x\":" + "[".repeat(40) + "]".repeat(40)
                            + ",\"image\":\"" + b64 + "\"}"),
                    ascii("{\"type\":\"frame\",\"image\":\"" + b64 + "\",\"robot_state\":{\"pose\":[1e400,-0.0]}}"),
                    ascii("{\"type\":\"frame\",\"type\":\"frame\",\"image\":\"" + b64 + "\"}"),
                    ascii("{\"type\":\"frame\",\"frame_id\":123456789012345678901234567890,\"image\":\"" + b64 + "\"}"),
                    ascii("{\"type\":\"frame\",\"image\":\"" + b64 + "\",\"robot_state\":{\"pose\":["
                            + "1,".repeat(40) + "1]}}"),
                    ascii("{\"type\":\"frame\",\"image\":")});

        byte[] obs = msgpackObservation();
        write("transport-netty", "io.github.streaminfer.transport.internal.openpi.OpenPiMsgpackFuzzTest",
                "observationsDecodeToConsistentArraysOrRefuseWithProtocolErrors",
                new String[]{"observation.msgpack", "ndarray-overflow.msgpack", "negative-dim.msgpack",
                    "newline-key.msgpack", "never-used.msgpack", "huge-map-header.msgpack", "not-a-map.msgpack",
                    "bad-dtype.msgpack"},
                new byte[][]{obs, ndarray("<f8", new long[]{1L << 30, 1L << 30, 2}, 0),
                    ndarray("<f4", new long[]{-1, 4}, 0), msgpackNewlineKey(), {(byte) 0x81, (byte) 0xa1, 'a',
                        (byte) 0xc1}, {(byte) 0xdf, 0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff},
                    {(byte) 0x93, 1, 2, 3}, ndarray("<c8", new long[]{2}, 16)});

        write("transport-netty", "io.github.streaminfer.transport.internal.detection.RestDetectionBodyFuzzTest",
                "detectionSettingsParseWithinRangeOrRefuseWithProtocolErrors",
                new String[]{"settings.json", "all.json", "deep.json", "bad-type.json", "newline.json",
                    "unknown.json", "array.json", "overflow.json"},
                new byte[][]{ascii("{\"fps_limit\":5}"), ascii("{\"fps_limit\":30,\"confidence_threshold\":0.25,"
                        + "\"iou_threshold\":0.5,\"enable_tracking\":false,\"quality_mode\":\"fast\","
                        + "\"max_detections\":10}"),
                    ascii("{\"a\":" + "[".repeat(2000) + "]".repeat(2000) + "}"),
                    ascii("{\"fps_limit\":\"abc\",\"enable_tracking\":1}"),
                    ascii("{\"quality_mode\":\"fast\\nFORGED LOG LINE\"}"), ascii("{\"fps\":1,\"zzz\":{}}"),
                    ascii("[1,2,3]"), ascii("{\"fps_limit\":1e309,\"iou_threshold\":-1e-400}")});
        write("transport-netty", "io.github.streaminfer.transport.internal.signal.RestSignalBodyFuzzTest",
                "signalStreamRequestsParseWithinRangeOrRefuseWithProtocolErrors",
                new String[]{"stream.json", "backend.json", "bad.json", "empty-object.json", "nan.json"},
                new byte[][]{ascii("{\"duration_seconds\":1.5,\"fps\":100,\"preprocess\":true}"),
                    ascii("{\"backend\":\"onnx\",\"use_tensorrt\":true,\"duration_seconds\":0}"),
                    ascii("{\"duration_seconds\":-1,\"fps\":0,\"backend\":" + "\"x\\u0000\"" + "}"), ascii("{}"),
                    ascii("{\"fps\":NaN}")});

        byte[] model = tinyModel();
        byte[] flipped = model.clone();
        for (int i = 7; i < flipped.length; i += 97) {
            flipped[i] ^= 0x5A;
        }
        write("backend-onnx", "io.github.streaminfer.backend.onnx.OnnxModelBytesFuzzTest",
                "loadingArbitraryBytesGivesAModelOrModelLoadException",
                new String[]{"tiny-mlp.onnx", "truncated.onnx", "flipped.onnx", "text", "varint-overflow"},
                new byte[][]{model, Arrays.copyOf(model, model.length / 2), flipped, ascii("not a model\n"),
                    {0x08, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff,
                        (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x01}});
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static void write(String module, String testClass, String method, String[] names, byte[][] data)
            throws IOException {
        int dot = testClass.lastIndexOf('.');
        Path dir = root.resolve(module).resolve("src/test/resources")
                .resolve(testClass.substring(0, dot).replace('.', '/'))
                .resolve(testClass.substring(dot + 1) + "Inputs").resolve(method);
        Files.createDirectories(dir);
        for (int i = 0; i < names.length; i++) {
            Files.write(dir.resolve(names[i]), data[i]);
        }
    }

    static byte[] image(String format, int w, int h, boolean progressive) throws IOException {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, (x * 15) << 16 | (y * 25) << 8 | 0x40);
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageWriter writer = ImageIO.getImageWritersByFormatName(format).next();
        ImageWriteParam p = writer.getDefaultWriteParam();
        if (progressive) {
            p.setProgressiveMode(ImageWriteParam.MODE_DEFAULT);
        }
        try (MemoryCacheImageOutputStream s = new MemoryCacheImageOutputStream(out)) {
            writer.setOutput(s);
            writer.write(null, new IIOImage(img, null, null), p);
        }
        writer.dispose();
        return out.toByteArray();
    }

    static byte[] png(int w, int h, int depth, int colorType, byte[] raw) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(new byte[]{(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        chunk(out, "IHDR", new byte[]{(byte) (w >>> 24), (byte) (w >>> 16), (byte) (w >>> 8), (byte) w,
            (byte) (h >>> 24), (byte) (h >>> 16), (byte) (h >>> 8), (byte) h, (byte) depth, (byte) colorType, 0, 0, 0});
        Deflater d = new Deflater(9);
        d.setInput(raw);
        d.finish();
        byte[] buf = new byte[raw.length + 64];
        int n = d.deflate(buf);
        chunk(out, "IDAT", Arrays.copyOf(buf, n));
        chunk(out, "IEND", new byte[0]);
        return out.toByteArray();
    }

    static byte[] pngHeaderOnly(int w, int h, int depth, int colorType) throws IOException {
        return png(w, h, depth, colorType, new byte[16]);
    }

    static void chunk(ByteArrayOutputStream out, String type, byte[] data) throws IOException {
        int n = data.length;
        out.write(new byte[]{(byte) (n >>> 24), (byte) (n >>> 16), (byte) (n >>> 8), (byte) n});
        byte[] t = ascii(type);
        out.write(t);
        out.write(data);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data);
        long c = crc.getValue();
        out.write(new byte[]{(byte) (c >>> 24), (byte) (c >>> 16), (byte) (c >>> 8), (byte) c});
    }

    // ---- msgpack, written by hand: the numpy convention of openpi (msgpack_numpy: __ndarray__, data, dtype, shape)

    static void str(ByteArrayOutputStream o, String s) {
        byte[] b = ascii(s);
        o.write(0xd9);
        o.write(b.length);
        o.writeBytes(b);
    }

    static void ndarrayInto(ByteArrayOutputStream o, String dtype, long[] shape, int dataBytes) {
        o.write(0x84);
        str(o, "__ndarray__");
        o.write(0xc3);
        str(o, "data");
        o.write(0xc6);
        o.writeBytes(new byte[]{(byte) (dataBytes >>> 24), (byte) (dataBytes >>> 16), (byte) (dataBytes >>> 8),
            (byte) dataBytes});
        o.writeBytes(new byte[dataBytes]);
        str(o, "dtype");
        str(o, dtype);
        str(o, "shape");
        o.write(0x90 | shape.length);
        for (long d : shape) {
            o.write(0xd3);
            for (int i = 7; i >= 0; i--) {
                o.write((int) (d >>> (8 * i)));
            }
        }
    }

    static byte[] ndarray(String dtype, long[] shape, int dataBytes) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        o.write(0x81);
        str(o, "observation/state");
        ndarrayInto(o, dtype, shape, dataBytes);
        return o.toByteArray();
    }

    static byte[] msgpackObservation() {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        o.write(0x83);
        str(o, "observation/state");
        ndarrayInto(o, "<f4", new long[]{8}, 32);
        str(o, "observation/image");
        ndarrayInto(o, "|u1", new long[]{4, 4, 3}, 48);
        str(o, "prompt");
        str(o, "pick up the fork");
        return o.toByteArray();
    }

    static byte[] msgpackNewlineKey() {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        o.write(0x81);
        str(o, "observation/state\n2026-12-07 12:00:00 ERROR forged line");
        ndarrayInto(o, "<f4", new long[]{2}, 4);
        return o.toByteArray();
    }

    static byte[] tinyModel() throws Exception {
        Class<?> c = Class.forName("io.github.streaminfer.synthetic.SyntheticModels$TinyMlp");
        Object mlp = c.getConstructor().newInstance();
        return (byte[]) c.getMethod("bytes").invoke(mlp);
    }
}
