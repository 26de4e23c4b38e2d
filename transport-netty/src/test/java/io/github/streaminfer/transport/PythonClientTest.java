package io.github.streaminfer.transport;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Drives the server with {@code src/test/python/vla_client.py}, a client written with Debian's
 * {@code python3-websockets} that speaks the VLA seed's protocol exactly as documented. Skipped, with the reason,
 * only when no Python 3 with the {@code websockets} module is installed ({@code apt-get install -y
 * python3-websockets}).
 */
class PythonClientTest {
    static StreamingServer server;

    @BeforeAll
    static void start() {
        server = TestSupport.fullServer(ServerLimits.DEFAULT, TestSupport.keys()).start();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    /** The first of /usr/bin/python3 and python3 (on PATH) that can import websockets, or null. */
    static String python() {
        for (String candidate : List.of("/usr/bin/python3", "python3")) {
            try {
                Process p = new ProcessBuilder(candidate, "-c", "import websockets").redirectErrorStream(true).start();
                if (p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0) {
                    return candidate;
                }
            } catch (IOException | InterruptedException e) {
                // not this one
            }
        }
        return null;
    }

    @Test
    void theSeedsPythonClientStreamsFramesAndGetsActions(@TempDir Path dir) throws Exception {
        String py = python();
        String install = "no python3 with the 'websockets' module (install with: apt-get install -y python3-websockets)";
        if (System.getenv("CI") != null) {
            assertThat(py).as("CI installs it (.ci/run): " + install).isNotNull();
        }
        Assumptions.assumeTrue(py != null, "skipped: " + install);
        Path jpeg = dir.resolve("frame.jpg");
        Files.write(jpeg, TestSupport.jpeg(64, 48, 128));
        Path script = Path.of("src/test/python/vla_client.py").toAbsolutePath();
        Process p = new ProcessBuilder(py, script.toString(), "ws://127.0.0.1:" + server.port() + "/v1/stream",
                TestSupport.KEY_PRO, jpeg.toString(), "20").redirectErrorStream(true).start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("the client finishes").isTrue();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertThat(p.exitValue()).as(out).isZero();
        String last = out.substring(out.lastIndexOf('\n') + 1);
        var summary = TestSupport.json(last);
        assertThat(summary.get("ok").asBoolean()).isTrue();
        assertThat(summary.get("actions").asInt()).isEqualTo(20);
        assertThat(summary.get("errors").asInt()).isEqualTo(1);
        assertThat(summary.get("close_code").asInt()).isEqualTo(1000);
    }
}
