package io.github.streaminfer.samples.stats;

import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * {@code streaminfer-stats URL [--seconds S] [--fps F] [--api-key KEY] [--save DIR] [--json] [--quiet] [--check]}:
 * connects to
 * one of StreamInfer's streams (see {@link StreamProbe} for the URLs it knows), prints a line of live statistics
 * every second on stderr, and at the end the generated-frame seed's report with its three real-time verdicts, or,
 * with {@code --json}, one JSON object on stdout. Exit status: 0, or 1 with {@code --check} when a verdict fails, 2
 * when no frame arrived, 64 for a usage error.
 *
 * <p><b>Note:</b> a command-line program; {@link #run} is called from one thread.
 */
public final class StreamStats {

    private StreamStats() {
    }

    /**
     * Runs the tool and exits with its status.
     *
     * @param args see the class description
     */
    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /**
     * Runs the tool.
     *
     * @param args see the class description
     * @param out  where the report goes
     * @param err  where live lines and errors go
     * @return the exit status
     */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        URI uri = null;
        double seconds = 10;
        double fps = 30;
        String apiKey = null;
        Path save = null;
        boolean json = false;
        boolean quiet = false;
        boolean check = false;
        try {
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--seconds" -> seconds = Double.parseDouble(args[++i]);
                    case "--fps" -> fps = Double.parseDouble(args[++i]);
                    case "--api-key" -> apiKey = args[++i];
                    case "--save" -> save = Path.of(args[++i]);
                    case "--json" -> json = true;
                    case "--quiet" -> quiet = true;
                    case "--check" -> check = true;
                    case "--help", "-h" -> {
                        out.println(usage());
                        return 0;
                    }
                    default -> {
                        if (args[i].startsWith("--") || uri != null) {
                            throw new IllegalArgumentException("argument '" + args[i] + "' is not known");
                        }
                        uri = URI.create(args[i]);
                    }
                }
            }
            if (uri == null) {
                throw new IllegalArgumentException("no stream URL given");
            }
            StreamProbe.Options options = new StreamProbe.Options(uri, seconds, fps, apiKey, save);
            return probe(options, StreamProbe.Kind.of(uri), json, quiet, check, out, err);
        } catch (IllegalArgumentException | ArrayIndexOutOfBoundsException e) {
            err.println("streaminfer-stats: " + (e instanceof ArrayIndexOutOfBoundsException
                    ? "an option is missing its value" : e.getMessage()));
            err.println(usage());
            return 64;
        }
    }

    private static int probe(StreamProbe.Options options, StreamProbe.Kind kind, boolean json, boolean quiet,
                             boolean check, PrintStream out, PrintStream err) {
        FrameStats stats = new FrameStats();
        ScheduledExecutorService live = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "stats-live");
            t.setDaemon(true);
            return t;
        });
        if (!quiet) {
            err.println("streaminfer-stats: " + options.uri() + " (" + kind.name().toLowerCase(Locale.ROOT) + ")");
            live.scheduleAtFixedRate(() -> err.println("  " + stats.summary(System.nanoTime()).liveLine()),
                    1, 1, TimeUnit.SECONDS);
        }
        String ending;
        try {
            ending = StreamProbe.run(options, stats);
        } catch (Exception e) {
            ending = "failed: " + e;
        } finally {
            live.shutdownNow();
        }
        StatsSummary s = stats.summary(System.nanoTime());
        if (json) {
            out.println(s.toJson().put("url", options.uri().toString())
                    .put("stream", kind.name().toLowerCase(Locale.ROOT)).put("ended", ending).toString());
        } else {
            if (!quiet) {
                err.println("streaminfer-stats: " + ending);
            }
            out.print(s.report(options.uri().toString()));
        }
        if (s.frames() == 0) {
            err.println("streaminfer-stats: no frame arrived (" + ending + ")");
            return 2;
        }
        return check && !s.realTime() ? 1 : 0;
    }

    private static String usage() {
        return "usage: streaminfer-stats URL [--seconds S (10)] [--fps F (30)] [--api-key KEY] [--save DIR] [--json]"
                + " [--quiet] [--check]\n"
                + "  --save DIR: write each binary frame of a WebSocket (the generated JPEGs) to DIR/frame_NNNNN.jpg\n"
                + "  URL: ws://HOST:PORT/stream/generated   generated frames (binary JPEG after frame_metadata)\n"
                + "       ws://HOST:PORT/v1/stream          VLA: sends camera frames at F fps, counts actions\n"
                + "       ws://HOST:PORT/stream/detection   sends camera frames at F fps, counts detection results\n"
                + "       http://HOST:PORT/infer/stream     signal SSE: asks for S seconds at F fps\n"
                + "       http://HOST:PORT/stream/events/ID a detection session's SSE events\n"
                + "       any other ws:// URL               counts every message";
    }
}
