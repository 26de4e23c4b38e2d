package io.github.streaminfer.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The server as users run it: a child JVM on the module's built run-time class path (no test library on it), with
 * a main-thread stack of 512 KiB and GC logging to a file, the settings under which native start-up used to
 * overflow the stack and die with SIGSEGV. It must come up, answer {@code /healthz} and a VLA frame, and stop
 * cleanly on SIGTERM.
 */
class ServerProcessTest {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(120);
    private static final Pattern VLA_URL = Pattern.compile("ws://127\\.0\\.0\\.1:(\\d+)/v1/stream");

    @Test
    void startsWithASmallMainThreadStackServesAndStopsOnSigterm(@TempDir Path dir) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                        .toString(), "-Xss512k", "-Xlog:gc:file=" + dir.resolve("gc.log"), "-cp", classPath(),
                StreamingServerMain.class.getName(), "--port", "0", "--warmup", "2"));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        StringBuffer output = new StringBuffer();
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Thread reader = readOutput(p, output, lines);
        try {
            int port = awaitReady(p, lines, output);
            assertThat(output.toString()).as("printed at start").contains("image decoder: opencv")
                    .contains("backend 'onnx'").contains("threads: ");

            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
            HttpResponse<String> health = http.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + port + "/healthz")).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(health.body()).contains("OK");

            // a session opened and warmed on the server's threads, a frame inferred on a worker: all at -Xss512k
            StandaloneServerTest.Client c = new StandaloneServerTest.Client();
            WebSocket ws = http.newWebSocketBuilder().buildAsync(URI.create("ws://127.0.0.1:" + port + "/v1/stream"),
                    c).get(10, TimeUnit.SECONDS);
            ws.sendText("{\"type\":\"auth\",\"target_fps\":10}", true).join();
            ObjectMapper json = new ObjectMapper();
            assertThat(json.readTree((String) c.next()).get("type").asText()).isEqualTo("connected");
            String image = "data:image/jpeg;base64," + Base64.getEncoder().encodeToString(StandaloneServerTest.jpeg());
            ws.sendText("{\"type\":\"frame\",\"image\":\"" + image + "\",\"robot_state\":{\"pose\":[0.1,0.2]}}", true)
                    .join();
            JsonNode action = json.readTree((String) c.next());
            assertThat(action.get("type").asText()).as(action.toString()).isEqualTo("action");
            ws.abort();

            // SIGTERM through the handle: Process.destroy() would also close the output the test still reads
            assertThat(p.toHandle().destroy()).as("SIGTERM sent").isTrue();
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("stopped within 30 s of SIGTERM; output:\n%s", output)
                    .isTrue();
            reader.join(5_000);
            assertThat(output.toString()).contains("shutting down").contains("streaminfer-server: stopped");
            assertThat(p.exitValue()).as("exit status after SIGTERM (143 = terminated by the signal, not a crash)")
                    .isIn(0, 143);
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void tensorrtAskedForWhereItIsUnavailableFallsBackToOnnxWithOneLineOnStderr(@TempDir Path dir) throws Exception {
        java.util.Optional<io.github.streaminfer.backend.InferenceBackend> trt =
                io.github.streaminfer.backend.Backends.find("tensorrt");
        assertThat(trt).as("backend-tensorrt is on the server's run-time class path").isPresent();
        org.junit.jupiter.api.Assumptions.assumeFalse(trt.get().isAvailable(), "TensorRT is available here");
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                classPath(), StreamingServerMain.class.getName(), "--port", "0", "--warmup", "0", "--backend",
                "tensorrt", "--precision", "fp16");
        Process p = new ProcessBuilder(command).redirectError(dir.resolve("stderr.txt").toFile()).start();
        StringBuffer output = new StringBuffer();
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        readOutput(p, output, lines);
        try {
            int port = awaitReady(p, lines, output);
            List<String> stderr = Files.readAllLines(dir.resolve("stderr.txt")).stream()
                    .filter(l -> l.startsWith("streaminfer-server: ")).toList();
            assertThat(stderr).as("stderr").hasSize(1);
            assertThat(stderr.get(0)).startsWith("streaminfer-server: backend 'tensorrt' is unavailable (")
                    .contains(trt.get().unavailabilityCause().getMessage().strip().lines().findFirst().orElseThrow())
                    .contains("); running on 'onnx' instead").contains("--backend-strict fails instead");
            assertThat(output.toString()).contains("backend 'onnx' (").contains("'tensorrt' is unavailable")
                    .containsPattern("signal backends \\(/infer/\\{backend}, /benchmark\\): onnx.*; unavailable: "
                            + ".*tensorrt");

            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
            HttpResponse<String> infer = http.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + port + "/infer/tensorrt")).timeout(Duration.ofSeconds(10))
                    .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(infer.statusCode()).as(infer.body()).isEqualTo(400);
            assertThat(new ObjectMapper().readTree(infer.body()).get("error").asText())
                    .startsWith("backend 'tensorrt' is not available here: ").contains("; available: onnx");
        } finally {
            p.toHandle().destroy();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
    }

    private static int awaitReady(Process p, BlockingQueue<String> lines, StringBuffer output) throws Exception {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        int port = -1;
        while (System.nanoTime() < deadline) {
            String line = lines.poll(200, TimeUnit.MILLISECONDS);
            if (line == null) {
                if (!p.isAlive()) {
                    throw new AssertionError("the server exited with status " + p.exitValue()
                            + (p.exitValue() == 139 ? " (SIGSEGV)" : "") + " before it was ready; output:\n" + output);
                }
                continue;
            }
            Matcher m = VLA_URL.matcher(line);
            if (m.find()) {
                port = Integer.parseInt(m.group(1));
            }
            if (line.equals("streaminfer-server: ready")) {
                assertThat(port).as("the VLA URL is printed before ready; output:\n%s", output).isPositive();
                return port;
            }
        }
        throw new AssertionError("the server was not ready within " + START_TIMEOUT + "; output:\n" + output);
    }

    /** The server's classes and its resolved run-time class path, as {@code bin/streaminfer-server} runs it. */
    private static String classPath() throws Exception {
        String classes = System.getProperty("streaminfer.server.classes");
        String file = System.getProperty("streaminfer.server.classpath");
        assertThat(classes).as("system property streaminfer.server.classes (set by the POM)").isNotNull();
        assertThat(file).as("system property streaminfer.server.classpath (set by the POM)").isNotNull();
        String runtime = Files.readString(Path.of(file)).strip();
        for (String banned : List.of("junit", "assertj", "jqwik", "byte-buddy", "opentest4j", "streaminfer-testkit")) {
            assertThat(runtime).as("the server's run-time class path holds no test library").doesNotContain(banned);
        }
        return classes + java.io.File.pathSeparator + runtime;
    }

    /**
     * Collects the child's standard output on a daemon thread: all of it in {@code output}, line by line in
     * {@code lines}.
     *
     * @return the reading thread, which ends with the output
     */
    private static Thread readOutput(Process p, StringBuffer output, BlockingQueue<String> lines) {
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    output.append(line).append('\n');
                    lines.add(line);
                }
            } catch (java.io.IOException e) {
                output.append("(output read failed: ").append(e).append(")\n");
            }
        }, "server-output");
        reader.setDaemon(true);
        reader.start();
        return reader;
    }
}
