package io.github.streaminfer.samples;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code bin/demo robot-remote}: the server runs in a child JVM and is killed a third of the way in, then started
 * again. While it is away the local controller executes nothing once the last action is stale, brakes within the
 * velocity caps to a hold, never executes a command whose observation is older than {@code staleAfter}, and the
 * remote policy reconnects on its own so that the arm follows fresh actions again.
 */
class RobotRemoteDemoTest {

    @Test
    void aKilledServerBecomesAHoldAndStreamingResumesWhenItReturns() throws Exception {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        RobotRemoteDemo.Summary s = RobotRemoteDemo.run(Duration.ofSeconds(18),
                new PrintStream(log, true, StandardCharsets.UTF_8));
        String printed = log.toString(StandardCharsets.UTF_8);
        assertThat(s.executedBeforeKill()).as(printed).isPositive();
        assertThat(s.executedWhileStale()).as("executable commands with a stale action: %s", printed).isZero();
        assertThat(s.heldDuringOutage()).as("braked to a hold: %s", printed).isTrue();
        assertThat(s.maxBrakeSpeedRatio()).as("braking within the velocity caps: %s", printed)
                .isLessThanOrEqualTo(1.0 + 1e-9);
        assertThat(s.maxExecutableAgeMs()).as("no executable command older than staleAfter: %s", printed)
                .isLessThanOrEqualTo(RobotRemoteDemo.STALE_AFTER.toMillis());
        assertThat(s.remote().connects()).as(printed).isEqualTo(2);
        assertThat(s.remote().disconnects()).as(printed).isEqualTo(1);
        assertThat(s.executedAfterReturn()).as("streaming resumed: %s", printed).isPositive();
        long answered = s.remote().actions() + s.remote().errors() + s.remote().lostInFlight()
                + s.remote().replaced() + s.remote().refused() + s.remote().inFlight();
        assertThat(answered).as("every submitted frame is accounted for: %s", s.remote())
                .isBetween(s.remote().submitted() - 1, s.remote().submitted());
        assertThat(printed).contains("killing the server").contains("reconnected to the new server");
    }
}
