package io.github.streaminfer.samples;

import io.github.streaminfer.samples.emg.EmgDemo;
import io.github.streaminfer.transport.AccessPolicy;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The served pages in a real browser: Debian's headless Chromium (installed by {@code .ci/run}) driven by
 * {@code playwright-core} from npm (pinned by {@code src/test/browser/package-lock.json}, installed with
 * {@code npm ci}; no browser is ever downloaded). Chromium's fake camera stands in for a webcam. While the EMG sample
 * streams, {@code src/test/browser/pages.mjs} checks the dashboard, the camera streamer, a viewer and adaptive
 * streaming, slowing the detector through this test. Screenshots land in {@code target/browser-screenshots}.
 */
class BrowserPagesTest {
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");

    @Test
    @Timeout(value = 480, unit = TimeUnit.SECONDS)
    void pagesWorkInChromiumWhileTheEmgSampleStreamsAndTheCameraAdaptsToASlowedServer() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(CHROMIUM), "Debian's chromium is not installed (.ci/run installs it)");
        Path work = Path.of("target", "browser-test");
        Files.createDirectories(work);
        for (String f : List.of("package.json", "package-lock.json", "pages.mjs")) {
            Files.copy(Path.of("src", "test", "browser", f), work.resolve(f), StandardCopyOption.REPLACE_EXISTING);
        }
        run(work, 180, List.of("npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund"), null);
        Path shots = Path.of("target", "browser-screenshots").toAbsolutePath();
        try (DemoServer server = new DemoServer("127.0.0.1", 0, AccessPolicy.OPEN)) {
            Thread sample = new Thread(() -> {
                try {
                    EmgDemo.stream(server.url(), 0, new PrintStream(PrintStream.nullOutputStream()));
                } catch (IOException | InterruptedException e) {
                    // ends when the server closes
                }
            }, "emg-sample-stream");
            sample.setDaemon(true);
            sample.start();
            List<String> lines = run(work, 300, List.of("node", "pages.mjs"), line -> {
                if (line.startsWith("@slow ")) {
                    server.slowDetector(Long.parseLong(line.substring(6).trim()));
                } else if (line.equals("@fast")) {
                    server.slowDetector(0);
                }
            }, "BASE_URL", server.url(), "CHROMIUM", CHROMIUM.toString(), "OUT_DIR", shots.toString());
            assertThat(lines).anyMatch(l -> l.equals("RESULT {\"failures\":[]}"));
        }
        assertThat(shots.resolve("dashboard.png")).exists();
        assertThat(shots.resolve("viewer.png")).exists();
        assertThat(shots.resolve("camera.png")).exists();
    }

    private static List<String> run(Path dir, int timeoutSeconds, List<String> command,
                                    java.util.function.Consumer<String> onLine, String... env)
            throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        pb.environment().put("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
        for (int i = 0; i < env.length; i += 2) {
            pb.environment().put(env[i], env[i + 1]);
        }
        Process p = pb.start();
        List<String> lines = new ArrayList<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    System.out.println("[" + command.get(0) + "] " + line);
                    synchronized (lines) {
                        lines.add(line);
                    }
                    if (onLine != null) {
                        onLine.accept(line);
                    }
                }
            } catch (IOException e) {
                // the process ended
            }
        });
        reader.start();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(command + " did not finish within " + timeoutSeconds + " s");
        }
        reader.join(5000);
        assertThat(p.exitValue()).as(command + " exit status; output: " + lines).isZero();
        synchronized (lines) {
            return List.copyOf(lines);
        }
    }
}
