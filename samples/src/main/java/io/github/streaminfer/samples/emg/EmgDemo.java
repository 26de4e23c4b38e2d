package io.github.streaminfer.samples.emg;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.streaminfer.samples.DemoServer;
import io.github.streaminfer.transport.AccessPolicy;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * {@code bin/demo emg [--seconds N] [--port P]}: starts the demo server, then classifies a synthetic 8-channel EMG
 * stream live over its signal SSE endpoint ({@code POST /infer/stream}, 20 sliding windows per second, real time
 * at 2 kHz), printing once a second the gesture being held, the one predicted, and the running accuracy. Open the
 * printed dashboard URL to watch the session live. Runs until Ctrl-C unless {@code --seconds} is given.
 *
 * <p><b>Note:</b> a command-line program; single-threaded apart from the server it starts.
 */
public final class EmgDemo {
    private EmgDemo() {
    }

    /**
     * Runs the demo.
     *
     * @param args {@code [--seconds N] [--port P] [--host H]}
     * @throws Exception if the server cannot start or the stream fails
     */
    public static void main(String[] args) throws Exception {
        double seconds = 0;
        int port = 8000;
        String host = "127.0.0.1";
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--seconds" -> seconds = Double.parseDouble(args[++i]);
                case "--port" -> port = Integer.parseInt(args[++i]);
                case "--host" -> host = args[++i];
                default -> {
                    System.err.println("usage: bin/demo emg [--seconds N] [--port P] [--host H]; unknown: " + args[i]);
                    System.exit(2);
                }
            }
        }
        try (DemoServer server = new DemoServer(host, port, AccessPolicy.OPEN)) {
            System.out.println("dashboard: " + server.url() + "/   camera: " + server.url() + "/camera   viewer: "
                    + server.url() + "/viewer");
            Result r = stream(server.url(), seconds, System.out);
            System.out.printf(Locale.ROOT, "%d windows classified, accuracy %.1f %% on %d windows inside one gesture%n",
                    r.events, r.accuracyPercent(), r.scored);
        }
    }

    /** What a stream delivered: events, windows inside one gesture, and how many of those were right. */
    public record Result(long events, long scored, long correct) {
        /** {@return correct / scored in percent, 0 when nothing was scored} */
        public double accuracyPercent() {
            return scored == 0 ? 0 : 100.0 * correct / scored;
        }
    }

    /**
     * Streams and scores the classifier's predictions against the gesture held.
     *
     * @param baseUrl the server
     * @param seconds how long, 0 for endless
     * @param out     where the per-second lines go
     * @return the tally
     * @throws IOException          if the stream fails
     * @throws InterruptedException if interrupted
     */
    public static Result stream(String baseUrl, double seconds, java.io.PrintStream out)
            throws IOException, InterruptedException {
        String body = "{\"fps\": 20, \"preprocess\": false, \"duration_seconds\": "
                + (seconds > 0 ? String.valueOf(seconds) : "null") + "}";
        HttpRequest req = HttpRequest.newBuilder(URI.create(baseUrl + "/infer/stream"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        HttpResponse<java.io.InputStream> res = HttpClient.newHttpClient().send(req,
                HttpResponse.BodyHandlers.ofInputStream());
        if (res.statusCode() != 200) {
            throw new IOException("stream refused: HTTP " + res.statusCode() + " "
                    + new String(res.body().readAllBytes(), StandardCharsets.UTF_8));
        }
        ObjectMapper json = new ObjectMapper();
        long events = 0;
        long scored = 0;
        long correct = 0;
        try (BufferedReader in = new BufferedReader(new InputStreamReader(res.body(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                if (!line.startsWith("data: ")) {
                    continue;
                }
                JsonNode e = json.readTree(line.substring(6));
                if (!e.has("prediction")) {
                    if (e.has("error")) {
                        out.println("error: " + e.get("error").asText());
                    }
                    continue;
                }
                events++;
                long frame = e.get("frame").asLong();
                int predicted = e.get("prediction").asInt();
                int truth = EmgSignal.gestureOfFrame(frame);
                if (truth >= 0) {
                    scored++;
                    if (truth == predicted) {
                        correct++;
                    }
                }
                if (frame % 20 == 0) {
                    out.printf(Locale.ROOT, "t=%5.1f s  held: %-13s predicted: %-13s (%3.0f %%)  latency %.3f ms"
                                    + "  accuracy %.1f %%%n", frame * EmgSignal.HOP / EmgSignal.SAMPLING_RATE,
                            EmgSignal.GESTURES.get(EmgSignal.gestureAt((frame - 1) * EmgSignal.HOP)),
                            EmgSignal.GESTURES.get(predicted), 100 * e.get("confidence").asDouble(),
                            e.get("latency_ms").asDouble(), scored == 0 ? 0 : 100.0 * correct / scored);
                }
            }
        }
        return new Result(events, scored, correct);
    }
}
