package io.github.streaminfer.transport;

import io.github.streaminfer.transport.openpi.OpenPiLimits;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Drives the openpi endpoint with {@code src/test/python/openpi_client_check.py}, a Python client that speaks
 * openpi's policy-server protocol as openpi's {@code WebsocketClientPolicy} does (msgpack with numpy arrays, a
 * {@code uint8 [96, 96, 3]} camera array, a state array and a prompt). Skipped, with the reason, only when no Python 3
 * with the {@code websockets}, {@code msgpack} and {@code numpy} modules is installed ({@code apt-get install -y
 * python3-websockets python3-msgpack python3-numpy}); required under CI.
 */
class OpenPiPythonClientTest {
    static StreamingServer server;

    @BeforeAll
    static void start() {
        server = OpenPiRawPixelTest.imagePolicyServer(OpenPiLimits.DEFAULT, new CountDownLatch(0));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    /** The first of /usr/bin/python3 and python3 (on PATH) that can import the three modules, or null. */
    static String python() {
        for (String candidate : List.of("/usr/bin/python3", "python3")) {
            try {
                Process p = new ProcessBuilder(candidate, "-c", "import websockets, msgpack, numpy")
                        .redirectErrorStream(true).start();
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
    void openpisClientGetsMetadataActionsTimingsAndABudgetRefusal() throws Exception {
        String py = python();
        String install = "no python3 with websockets, msgpack and numpy (install with: apt-get install -y "
                + "python3-websockets python3-msgpack python3-numpy)";
        if (System.getenv("CI") != null) {
            assertThat(py).as("CI installs them (.ci/run): " + install).isNotNull();
        }
        Assumptions.assumeTrue(py != null, "skipped: " + install);
        Path script = Path.of("src/test/python/openpi_client_check.py").toAbsolutePath();
        Process p = new ProcessBuilder(py, script.toString(), "--url", "ws://127.0.0.1:" + server.port(),
                "--api-key", TestSupport.KEY_PRO, "--frames", "20", "--hz", "20").redirectErrorStream(true).start();
        assertThat(p.waitFor(90, TimeUnit.SECONDS)).as("the client finishes").isTrue();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertThat(p.exitValue()).as(out).isZero();
        var summary = TestSupport.json(out.substring(out.lastIndexOf('\n') + 1));
        assertThat(summary.get("frames").asInt()).isEqualTo(20);
        assertThat(summary.get("server_infer_ms").get("p50").asDouble()).isGreaterThan(0);
        assertThat(summary.get("refused").asText()).contains("[2364, 2364, 3]").contains("maxImagePixels");
    }
}
