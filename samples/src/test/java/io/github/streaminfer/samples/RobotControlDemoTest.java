package io.github.streaminfer.samples;

import io.github.streaminfer.backend.Backends;
import io.github.streaminfer.backend.InferenceBackend;
import io.github.streaminfer.exceptions.BackendUnavailableException;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Runs the README's main demo briefly and checks it did its job, so the main command cannot silently rot. */
class RobotControlDemoTest {

    @Test
    void demoDrivesTheRobotFromThePolicyOnOnnxRuntime() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        RobotControlDemo.Summary s = RobotControlDemo.run(Duration.ofSeconds(2),
                new PrintStream(buf, true, StandardCharsets.UTF_8));
        String out = buf.toString(StandardCharsets.UTF_8);
        assertThat(out).contains("backend: ").contains("balanced: true").contains("control loop:");
        assertThat(s.healthy()).as(out).isTrue();
        assertThat(s.session().inferred()).as("about 10 inferences per second").isBetween(8L, 25L);
        assertThat(s.session().droppedReplaced()).as("30 fps camera, 10 fps policy: the rest conflate").isPositive();
        assertThat(s.actions().chunksAccepted()).isEqualTo(s.session().inferred());
        assertThat(s.executedTicks()).as("the loop executed policy actions").isPositive();
        assertThat(s.actions().estopTrips()).isZero();
    }

    @Test
    void noArgumentsRunFiveSecondsOnOnnxAsTheReadmeSays() {
        assertThat(RobotControlDemo.Options.parse(new String[0]))
                .isEqualTo(new RobotControlDemo.Options(5, "onnx", false));
        assertThat(RobotControlDemo.Options.parse(new String[]{"3"}))
                .isEqualTo(new RobotControlDemo.Options(3, "onnx", false));
        java.util.List<String> notices = new java.util.ArrayList<>();
        assertThat(RobotControlDemo.Options.parse(new String[0]).backend(notices::add).id()).isEqualTo("onnx");
        assertThat(notices).isEmpty();
    }

    @Test
    void backendOptionsParseInAnyOrderAndBadOnesAreRefused() {
        assertThat(RobotControlDemo.Options.parse(new String[]{"--backend", "tensorrt", "2.5", "--backend-strict"}))
                .isEqualTo(new RobotControlDemo.Options(2.5, "tensorrt", true));
        assertThatThrownBy(() -> RobotControlDemo.Options.parse(new String[]{"--backend"}))
                .hasMessage("--backend needs a value");
        assertThatThrownBy(() -> RobotControlDemo.Options.parse(new String[]{"fast"}))
                .hasMessage("seconds 'fast' is not a number");
        assertThatThrownBy(() -> RobotControlDemo.Options.parse(new String[]{"0"}))
                .hasMessage("seconds is 0; allowed: > 0 to 86400");
        assertThatThrownBy(() -> RobotControlDemo.Options.parse(new String[]{"2", "3"}))
                .hasMessage("unknown argument '3'");
    }

    @Test
    void anUnavailableTensorRtFallsBackToOnnxWithOneLineUnlessStrict() {
        InferenceBackend trt = Backends.find("tensorrt").orElseThrow(() -> new AssertionError(
                "backend-tensorrt is on the demo's run-time class path"));
        Assumptions.assumeFalse(trt.isAvailable(), "TensorRT is available here");
        java.util.List<String> notices = new java.util.ArrayList<>();
        InferenceBackend b = RobotControlDemo.Options.parse(new String[]{"--backend", "tensorrt"})
                .backend(notices::add);
        assertThat(b.id()).isEqualTo("onnx");
        assertThat(notices).singleElement().asString().startsWith("backend 'tensorrt' is unavailable (")
                .endsWith("); running on 'onnx' instead; --backend-strict fails instead");
        assertThatThrownBy(() -> RobotControlDemo.Options.parse(new String[]{"--backend", "tensorrt",
                "--backend-strict"}).backend(notices::add))
                .isInstanceOf(BackendUnavailableException.class)
                .hasMessageContaining("backend 'tensorrt' is unavailable: ").hasMessageContaining("onnx: available");
        assertThatThrownBy(() -> RobotControlDemo.Options.parse(new String[]{"--backend", "nosuch"})
                .backend(notices::add))
                .isInstanceOf(BackendUnavailableException.class)
                .hasMessageContaining("no backend 'nosuch' found").hasMessageContaining("tensorrt: unavailable: ");
        assertThat(notices).as("only the fallback printed a line").hasSize(1);
    }
}
