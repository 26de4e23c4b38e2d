package io.github.streaminfer.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.streaminfer.backend.Backends;
import io.github.streaminfer.backend.InferenceBackend;
import io.github.streaminfer.backend.ModelOptions;
import io.github.streaminfer.exceptions.BackendUnavailableException;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@code --backend} and its companions: a known backend that is unavailable here falls back to onnx with one line
 * saying why (or fails under {@code --backend-strict}); the server's signal endpoint still names it, with its cause.
 */
class BackendOptionsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static InferenceBackend unavailableTensorRt() {
        InferenceBackend trt = Backends.find("tensorrt").orElseThrow(() -> new AssertionError(
                "backend-tensorrt is on the server's run-time class path"));
        Assumptions.assumeFalse(trt.isAvailable(), "TensorRT is available here");
        return trt;
    }

    @Test
    void backendOptionsAreParsedAndBadValuesRefusedWithWhatIsAllowed() {
        ServerOptions o = ServerOptions.parse(new String[]{"--backend", "tensorrt", "--backend-strict", "--device",
                "cuda:1", "--precision", "fp16"});
        assertThat(o.backend).isEqualTo("tensorrt");
        assertThat(o.backendStrict).isTrue();
        assertThat(BackendChoice.options("tensorrt", o)).isEqualTo(ModelOptions.builder().device("cuda:1")
                .precision("fp16").build());
        assertThat(ServerOptions.parse(new String[0]).backendStrict).as("falling back is the default").isFalse();
        assertThat(BackendChoice.options("tensorrt", ServerOptions.parse(new String[0])).device())
                .as("TensorRT refuses cpu, so it defaults to the first GPU").isEqualTo("cuda:0");
        assertThat(BackendChoice.options("onnx", ServerOptions.parse(new String[0])))
                .isEqualTo(ModelOptions.DEFAULT);
        assertThatThrownBy(() -> ServerOptions.parse(new String[]{"--precision", "fp8"}))
                .hasMessage("--precision is 'fp8'; allowed: fp32, fp16, int8");
        assertThatThrownBy(() -> ServerOptions.parse(new String[]{"--openvino-dir", "/nonexistent/ov"}))
                .hasMessage("--openvino-dir '/nonexistent/ov' is not a directory");
        assertThat(ServerOptions.USAGE).contains("--backend-strict").contains("--device").contains("--precision")
                .contains("--openvino-dir");
    }

    @Test
    void anUnavailableBackendFallsBackToOnnxWithOneLineNamingItsCause() throws Exception {
        InferenceBackend trt = unavailableTensorRt();
        ServerOptions o = ServerOptions.parse(new String[]{"--port", "0", "--warmup", "0", "--backend", "tensorrt",
                "--precision", "fp16"});
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try (StreamingServerMain.Running r = StreamingServerMain.start(o, new PrintStream(log, true,
                StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8))) {
            String cause = String.valueOf(trt.unavailabilityCause().getMessage()).replaceAll("\\s*\\R\\s*", " ");
            assertThat(err.toString(StandardCharsets.UTF_8)).isEqualTo("streaminfer-server: backend 'tensorrt' is "
                    + "unavailable (" + cause + "); running on 'onnx' instead with its defaults (cpu, fp32; --device "
                    + "and --precision are for 'tensorrt'); --backend-strict fails instead\n");
            assertThat(log.toString(StandardCharsets.UTF_8)).contains("backend 'onnx' (")
                    .contains("; 'tensorrt' is unavailable)").endsWith("streaminfer-server: ready\n");

            HttpClient http = HttpClient.newHttpClient();
            String base = "http://127.0.0.1:" + r.server().port();
            HttpResponse<String> infer = post(http, base + "/infer/tensorrt", "{}");
            assertThat(infer.statusCode()).as(infer.body()).isEqualTo(400);
            assertThat(JSON.readTree(infer.body()).get("error").asText()).isEqualTo("backend 'tensorrt' is not "
                    + "available here: " + trt.unavailabilityCause().getMessage() + "; available: onnx");

            HttpResponse<String> fallback = post(http, base + "/infer", "{\"use_tensorrt\": true}");
            assertThat(fallback.statusCode()).as(fallback.body()).isEqualTo(200);
            JsonNode f = JSON.readTree(fallback.body());
            assertThat(f.get("backend").asText()).isEqualTo("onnx");
            assertThat(f.get("fallback").asText()).startsWith("tensorrt is unavailable: ").endsWith("; ran on onnx");

            HttpResponse<String> bench = post(http, base + "/benchmark?num_iterations=3&backend=tensorrt", "");
            assertThat(bench.statusCode()).as(bench.body()).isEqualTo(400);
            assertThat(JSON.readTree(bench.body()).get("error").asText()).contains("backend 'tensorrt' is not "
                    + "available here: ");
            HttpResponse<String> unknown = post(http, base + "/benchmark?num_iterations=3&backend=nosuch", "");
            assertThat(unknown.statusCode()).as(unknown.body()).isEqualTo(400);
            assertThat(JSON.readTree(unknown.body()).get("error").asText())
                    .startsWith("unknown backend 'nosuch'; allowed: onnx, ").contains("tensorrt").contains("openvino");
            HttpResponse<String> all = post(http, base + "/benchmark?num_iterations=3", "");
            assertThat(all.statusCode()).as(all.body()).isEqualTo(200);
            assertThat(JSON.readTree(all.body()).get("onnx").get("failed").asInt()).isZero();
        }
    }

    @Test
    void strictModeFailsListingEveryBackendInsteadOfFallingBack() {
        unavailableTensorRt();
        ServerOptions o = ServerOptions.parse(new String[]{"--port", "0", "--backend", "tensorrt",
                "--backend-strict"});
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        assertThatThrownBy(() -> StreamingServerMain.start(o, quiet, new PrintStream(err, true,
                StandardCharsets.UTF_8)))
                .isInstanceOf(BackendUnavailableException.class)
                .hasMessageContaining("backend 'tensorrt' is unavailable: ")
                .hasMessageContaining("backends found:")
                .hasMessageContaining("onnx: available")
                .hasMessageContaining("openvino: unavailable: ");
        assertThat(err.size()).as("no fallback line in strict mode").isZero();
    }

    @Test
    void anUnknownBackendFailsListingEveryBackendEvenWithoutStrictMode() {
        ServerOptions o = ServerOptions.parse(new String[]{"--port", "0", "--backend", "tensorrtx"});
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        assertThatThrownBy(() -> StreamingServerMain.start(o, quiet, quiet))
                .isInstanceOf(BackendUnavailableException.class)
                .hasMessageContaining("no backend 'tensorrtx' found")
                .hasMessageContaining("onnx: available")
                .hasMessageContaining("tensorrt: ")
                .hasMessageContaining("openvino: ");
    }

    private static HttpResponse<String> post(HttpClient http, String url, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).POST(HttpRequest.BodyPublishers.ofString(body))
                .build(), HttpResponse.BodyHandlers.ofString());
    }
}
