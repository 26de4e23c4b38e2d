package io.github.streaminfer.action;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** The pull-style example of docs/notes-action.md, with a robot that follows its commands. */
class PullStyleExampleTest {

    static final class Robot {
        final double[] pose = {0.3, 0.1, 0.5, 0, 0, 0.1, 0};
        int ticks;
        int sent;

        boolean running() {
            return ticks++ < 2_000;
        }

        double[] pose() {
            return pose;
        }

        void send(double[] command) {
            System.arraycopy(command, 0, pose, 0, pose.length);
            sent++;
        }
    }

    @Test
    void pullStyleLoop() throws Exception {
        ActionController controller = ActionController.builder(ActionConfig.builder().dim(7).maxHorizon(1)
                .stepPeriod(Duration.ofMillis(100)).controlPeriod(Duration.ofMillis(1))
                .safety(SafetyConfig.frankaCartesian().toBuilder().staleAfter(Duration.ofSeconds(30)).build())
                .build()).build();
        controller.offer(new float[]{0.35f, 0.1f, 0.5f, 0, 0, 0.1f, 1}, 1, System.nanoTime());
        Robot robot = new Robot();
        // --- the example from docs/notes-action.md ---
        ActionCommand cmd = new ActionCommand(7);                       // allocate once
        while (robot.running()) {
            controller.next(System.nanoTime(), robot.pose(), cmd);     // lock-free, allocation-free, never blocks
            robot.send(cmd.values());                                   // cmd.executable() says whether it is a policy action
        }
        // --- end of example ---
        assertThat(robot.sent).isEqualTo(2_000);
        assertThat(cmd.executable()).isTrue();
        assertThat(robot.pose[0]).isGreaterThan(0.3).isLessThanOrEqualTo(0.35);
        assertThat(robot.pose[6]).isEqualTo(1.0);
    }
}
