package io.github.streaminfer.samples.generated;

import io.github.streaminfer.backend.Backends;
import io.github.streaminfer.backend.LoadedModel;
import io.github.streaminfer.backend.ModelOptions;
import io.github.streaminfer.backend.ModelSource;
import io.github.streaminfer.samples.stats.StreamStats;

import java.io.PrintStream;
import java.nio.file.Path;

/**
 * {@code bin/demo generated [--seconds S] [--fps F] [--out DIR] [--serve]}: writes the image-to-image
 * {@link StylizeModel}, loads it on ONNX Runtime, starts a {@link GeneratedFrameServer} on the loopback address and
 * runs {@code streaminfer-stats} against it: the client asks for S seconds of frames at F fps, saves every frame it
 * receives to DIR (default {@code target/generated-frames}) and prints live statistics, then the generated-frame
 * seed's report and verdicts. With {@code --serve} the server keeps running after that (until Ctrl-C), for other
 * clients.
 *
 * <p><b>Note:</b> a command-line program; {@link #run} is called from one thread.
 */
public final class GeneratedFrameDemo {
    /** Frame width. */
    public static final int WIDTH = 320;
    /** Frame height. */
    public static final int HEIGHT = 180;

    private GeneratedFrameDemo() {
    }

    /**
     * Runs the demo.
     *
     * @param args {@code [--seconds S] [--fps F] [--serve]}
     * @throws Exception if it fails
     */
    public static void main(String[] args) throws Exception {
        double seconds = 10;
        double fps = 30;
        boolean serve = false;
        Path out = Path.of("target", "generated-frames");
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--seconds" -> seconds = Double.parseDouble(args[++i]);
                case "--fps" -> fps = Double.parseDouble(args[++i]);
                case "--serve" -> serve = true;
                case "--out" -> out = Path.of(args[++i]);
                default -> {
                    System.out.println("usage: bin/demo generated [--seconds S (10)] [--fps F (30)] [--out DIR]"
                            + " [--serve]");
                    return;
                }
            }
        }
        System.exit(run(seconds, fps, out, serve, System.out, System.err));
    }

    /**
     * Starts the server and runs the stats client against it.
     *
     * @param seconds stream length asked for
     * @param fps     frames per second asked for
     * @param save    folder the received frames are written to
     * @param serve   keep serving afterwards
     * @param out     the report
     * @param err     live lines
     * @return the stats client's exit status
     * @throws Exception if the server fails
     */
    public static int run(double seconds, double fps, Path save, boolean serve, PrintStream out, PrintStream err)
            throws Exception {
        StylizeModel shape = new StylizeModel(WIDTH, HEIGHT);
        try (LoadedModel model = Backends.require("onnx").load(ModelSource.ofBytes("stylize", shape.bytes()), ModelOptions.DEFAULT);
             GeneratedFrameServer server = new GeneratedFrameServer("127.0.0.1", 0, model, shape)) {
            out.println("model: stylize (sepia + sharpen, 3 x 3 conv, " + WIDTH + " x " + HEIGHT + ") on onnx");
            out.println("serving " + server.url());
            int status = StreamStats.run(new String[] {server.url(), "--seconds", String.valueOf(seconds), "--fps",
                    String.valueOf(fps), "--save", save.toString()}, out, err);
            out.println("received frames: " + save.toAbsolutePath());
            if (serve) {
                out.println("serving " + server.url() + " until Ctrl-C; try bin/streaminfer-stats " + server.url());
                Thread.currentThread().join();
            }
            return status;
        }
    }
}
