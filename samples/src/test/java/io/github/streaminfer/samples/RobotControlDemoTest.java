package io.github.streaminfer.samples;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

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
}
