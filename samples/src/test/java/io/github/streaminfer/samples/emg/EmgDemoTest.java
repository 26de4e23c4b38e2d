package io.github.streaminfer.samples.emg;

import io.github.streaminfer.samples.DemoServer;
import io.github.streaminfer.transport.AccessPolicy;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class EmgDemoTest {

    @Test
    void theBandPowerClassifierSeparatesTheGesturesStreamedOverTheSignalSseEndpoint() throws Exception {
        ByteArrayOutputStream lines = new ByteArrayOutputStream();
        EmgDemo.Result r;
        try (DemoServer server = new DemoServer("127.0.0.1", 0, AccessPolicy.OPEN)) {
            // 8 s at 20 windows per second: every gesture is held at least once
            r = EmgDemo.stream(server.url(), 8, new PrintStream(lines, true, StandardCharsets.UTF_8));
        }
        assertThat(r.events()).isEqualTo(160);
        assertThat(r.scored()).isGreaterThan(140);
        assertThat(r.accuracyPercent()).as(lines.toString(StandardCharsets.UTF_8)).isGreaterThanOrEqualTo(95);
        for (String gesture : EmgSignal.GESTURES) {
            assertThat(lines.toString(StandardCharsets.UTF_8)).contains("held: " + gesture);
        }
    }

    @Test
    void aWindowSpanningAGestureChangeIsNotScored() {
        long perGesture = (long) (EmgSignal.HOLD_SECONDS * EmgSignal.SAMPLING_RATE / EmgSignal.HOP);
        assertThat(EmgSignal.gestureOfFrame(1)).isZero();
        assertThat(EmgSignal.gestureOfFrame(perGesture)).isEqualTo(-1);
        assertThat(EmgSignal.gestureOfFrame(perGesture + 1)).isEqualTo(1);
    }
}
