package io.github.streaminfer.transport.internal.pages;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AdaptiveFeedbackTest {
    private static final long STEP = AdaptiveFeedback.EVALUATION_NANOS;

    private static AdaptiveFeedback feedback() {
        return new AdaptiveFeedback(2, 30, 0.4, 0.9, 100, 0);
    }

    @Test
    void latencyOverBudgetCutsFpsAndQualityAndSaysWhy() {
        AdaptiveFeedback f = feedback();
        for (int i = 0; i < 10; i++) {
            f.result(250);
        }
        assertThat(f.evaluate(STEP, 0)).isTrue();
        assertThat(f.fps()).isEqualTo(18.0);
        assertThat(f.quality()).isEqualTo(0.7);
        assertThat(f.reason()).contains("over budget").contains("250.0 ms");
    }

    @Test
    void aDroppedFrameOrAQueueBuildingUpCountsAsOverBudget() {
        AdaptiveFeedback dropped = feedback();
        dropped.result(10);
        dropped.drop();
        assertThat(dropped.evaluate(STEP, 0)).isTrue();
        assertThat(dropped.fps()).isLessThan(30);

        AdaptiveFeedback queued = feedback();
        queued.result(10);
        assertThat(queued.evaluate(STEP, AdaptiveFeedback.MAX_PENDING + 1)).isTrue();
        assertThat(queued.fps()).isLessThan(30);

        AdaptiveFeedback stuck = feedback();
        assertThat(stuck.evaluate(STEP, 1)).as("no reply at all while a frame waits").isTrue();
        assertThat(stuck.fps()).isLessThan(30);
    }

    @Test
    void headroomRaisesFpsAgainUpToTheBound() {
        AdaptiveFeedback f = feedback();
        long t = 0;
        for (int i = 0; i < 20; i++) {
            f.result(500);
            f.evaluate(t += STEP, 0);
        }
        assertThat(f.fps()).isEqualTo(2.0);
        assertThat(f.quality()).isEqualTo(0.4);
        double previous = f.fps();
        for (int i = 0; i < 40; i++) {
            f.result(10);
            f.evaluate(t += STEP, 0);
            assertThat(f.fps()).isGreaterThanOrEqualTo(previous).isLessThanOrEqualTo(30);
            previous = f.fps();
        }
        assertThat(f.fps()).isEqualTo(30.0);
        assertThat(f.quality()).isEqualTo(0.9);
    }

    @Test
    void latencyBetweenHalfAndFullBudgetHoldsTheRecommendation() {
        AdaptiveFeedback f = feedback();
        f.result(500);
        f.evaluate(STEP, 0);
        double fps = f.fps();
        f.result(70);
        assertThat(f.evaluate(2 * STEP, 0)).isFalse();
        assertThat(f.fps()).isEqualTo(fps);
    }

    @Test
    void decidesAtMostOncePerEvaluationPeriod() {
        AdaptiveFeedback f = feedback();
        f.result(500);
        assertThat(f.evaluate(STEP - 1, 0)).isFalse();
        assertThat(f.fps()).isEqualTo(30.0);
        assertThat(f.evaluate(STEP, 0)).isTrue();
        f.result(500);
        assertThat(f.evaluate(STEP + STEP / 2, 0)).isFalse();
    }

    @Test
    void refusesBoundsThatCannotHold() {
        assertThatThrownBy(() -> new AdaptiveFeedback(0, 30, 0.4, 0.9, 100, 0))
                .hasMessageContaining("fps bounds are 0.0..30.0; allowed");
        assertThatThrownBy(() -> new AdaptiveFeedback(2, 30, 0.4, 1.5, 100, 0))
                .hasMessageContaining("quality bounds are 0.4..1.5; allowed");
        assertThatThrownBy(() -> new AdaptiveFeedback(2, 30, 0.4, 0.9, 0, 0))
                .hasMessageContaining("targetLatencyMs is 0.0; allowed: > 0");
    }
}
