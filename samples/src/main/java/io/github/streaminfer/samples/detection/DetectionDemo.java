package io.github.streaminfer.samples.detection;

import io.github.streaminfer.backend.Backends;
import io.github.streaminfer.backend.LoadedModel;
import io.github.streaminfer.backend.ModelOptions;
import io.github.streaminfer.backend.ModelSource;
import io.github.streaminfer.samples.face.BlazeFaceModel;
import io.github.streaminfer.transport.ServerLimits;
import io.github.streaminfer.transport.StreamingServer;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * {@code bin/demo detection [video file | image folder] [--out DIR] [--frames N] [--fps F]}: starts a server with
 * the detection endpoint on MediaPipe BlazeFace (fetched from npm by {@code bin/demo}), then sends every frame of
 * the input (rendered test scenes when none is given) twice, as a client of each protocol: over the detection
 * WebSocket, and over the REST + SSE API. Each answered frame is written with its face boxes drawn in, to
 * {@code DIR/websocket/} and {@code DIR/rest-sse/} (default {@code target/detection-demo}).
 *
 * <p><b>Note:</b> a command-line program; {@link #run} is called from one thread.
 */
public final class DetectionDemo {

    /**
     * What one run did.
     *
     * @param frames         frames read from the input
     * @param wsAnswered     frames the WebSocket answered with a result
     * @param wsFaces        faces over all WebSocket results
     * @param sseAnswered    frames answered with a result on the event stream
     * @param sseFaces       faces over all event-stream results
     * @param framesWithFace frames in which the WebSocket found at least one face
     * @param output         the folder the annotated frames are in
     */
    public record Summary(int frames, int wsAnswered, int wsFaces, int sseAnswered, int sseFaces,
                          int framesWithFace, Path output) {
    }

    private DetectionDemo() {
    }

    /**
     * Runs the demo.
     *
     * @param args {@code [input] [--out DIR] [--frames N] [--fps F]}
     * @throws Exception if it fails
     */
    public static void main(String[] args) throws Exception {
        Path input = null;
        Path out = Path.of("target", "detection-demo");
        int frames = 60;
        double fps = 15;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--out" -> out = Path.of(args[++i]);
                case "--frames" -> frames = Integer.parseInt(args[++i]);
                case "--fps" -> fps = Double.parseDouble(args[++i]);
                case "--help", "-h" -> {
                    System.out.println("usage: bin/demo detection [video file | image folder] [--out DIR]"
                            + " [--frames N (default 60)] [--fps F (default 15)]");
                    return;
                }
                default -> input = Path.of(args[i]);
            }
        }
        run(BlazeFaceModel.locate(), input, out, frames, fps, System.out);
    }

    /**
     * Starts the server, sends the input through both protocols and writes the annotated frames.
     *
     * @param model  the BlazeFace model file
     * @param input  a video file, an image folder, or null for rendered scenes
     * @param out    the output folder
     * @param frames most frames read
     * @param fps    frames sent per second (each protocol)
     * @param log    the console
     * @return what happened
     * @throws Exception if the server or a client fails
     */
    public static Summary run(Path model, Path input, Path out, int frames, double fps, PrintStream log)
            throws Exception {
        Path wsDir = Files.createDirectories(out.resolve("websocket"));
        Path sseDir = Files.createDirectories(out.resolve("rest-sse"));
        try (LoadedModel loaded = Backends.require("onnx").load(ModelSource.of(model), ModelOptions.DEFAULT);
             StreamingServer server = StreamingServer.builder().host("127.0.0.1").port(0)
                     .detection(FaceDetectionEndpoint.create(loaded, ServerLimits.DEFAULT.maxImagePixels(), 2 * fps))
                     .start();
             FrameInput source = FrameInput.open(input, frames)) {
            String host = "127.0.0.1:" + server.port();
            log.println("model: BlazeFace front 128 x 128 (" + BlazeFaceModel.NPM_PACKAGE + ") on onnx");
            log.println("server: http://" + host + " (detection WebSocket and REST + SSE)");
            log.println("input: " + source.describe());
            int read = 0;
            int wsAnswered = 0;
            int wsFaces = 0;
            int withFace = 0;
            int sseAnswered = 0;
            int sseFaces = 0;
            long periodNanos = (long) (1e9 / fps);
            try (WsDetectionClient ws = new WsDetectionClient(URI.create("ws://" + host
                    + "/stream/detection?fps_limit=" + 2 * fps), null);
                 RestSseDetectionClient rest = new RestSseDetectionClient(URI.create("http://" + host), null,
                         "{\"fps_limit\": " + 2 * fps + "}")) {
                log.println("websocket session " + ws.connectedMessage().path("session_id").asText()
                        + ", REST session " + rest.sessionId());
                long next = System.nanoTime();
                for (BufferedImage frame = source.next(); frame != null; frame = source.next()) {
                    String id = String.format(Locale.ROOT, "frame_%05d", read++);
                    byte[] jpeg = BoxPainter.jpeg(frame, 0.9f);
                    DetectionReply viaWs = ws.detect(id, jpeg);
                    DetectionReply viaSse = rest.detect(id, jpeg);
                    if (viaWs.error() == null) {
                        wsAnswered++;
                        wsFaces += viaWs.boxes().size();
                        withFace += viaWs.boxes().isEmpty() ? 0 : 1;
                    }
                    if (viaSse.error() == null) {
                        sseAnswered++;
                        sseFaces += viaSse.boxes().size();
                    }
                    write(frame, viaWs, "websocket", wsDir.resolve(id + ".jpg"));
                    write(frame, viaSse, "REST + SSE", sseDir.resolve(id + ".jpg"));
                    if (read % 10 == 1) {
                        log.println(id + ": " + describe(viaWs) + " | REST + SSE: " + describe(viaSse));
                    }
                    next += periodNanos;
                    long wait = next - System.nanoTime();
                    if (wait > 0) {
                        Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                    }
                }
            }
            Summary s = new Summary(read, wsAnswered, wsFaces, sseAnswered, sseFaces, withFace, out);
            log.printf(Locale.ROOT, "%d frames: WebSocket answered %d (%d faces, %d frames with a face), "
                    + "REST + SSE answered %d (%d faces)%n", read, wsAnswered, wsFaces, withFace, sseAnswered,
                    sseFaces);
            log.println("annotated frames: " + wsDir.toAbsolutePath() + " and " + sseDir.toAbsolutePath());
            return s;
        }
    }

    private static String describe(DetectionReply r) {
        if (r.error() != null) {
            return "error: " + r.error();
        }
        StringBuilder sb = new StringBuilder(r.boxes().size() + " face(s)");
        for (BoxPainter.Box b : r.boxes()) {
            sb.append(String.format(Locale.ROOT, " [%.0f,%.0f,%.0f,%.0f %.2f]", b.x1(), b.y1(), b.x2(), b.y2(),
                    b.confidence()));
        }
        return sb.append(String.format(Locale.ROOT, " in %.1f ms", r.processingMs())).toString();
    }

    private static void write(BufferedImage frame, DetectionReply reply, String via, Path file) throws IOException {
        String caption = reply.error() != null ? via + ": " + reply.error()
                : String.format(Locale.ROOT, "%s  %s  %d face(s)  %.1f ms", via, reply.frameId(),
                        reply.boxes().size(), reply.processingMs());
        ImageIO.write(BoxPainter.annotate(frame, reply.boxes(), caption), "jpeg", file.toFile());
    }
}
