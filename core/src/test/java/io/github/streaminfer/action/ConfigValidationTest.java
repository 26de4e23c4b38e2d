package io.github.streaminfer.action;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConfigValidationTest {

    @Test
    void messagesNameFieldValueAndRange() {
        assertThatThrownBy(() -> SmoothingConfig.ema(0)).hasMessageContaining("alpha is 0.0")
                .hasMessageContaining("(0, 1]");
        assertThatThrownBy(() -> SmoothingConfig.ema(1.5)).hasMessageContaining("alpha is 1.5");
        assertThatThrownBy(() -> SmoothingConfig.movingAverage(0)).hasMessageContaining("window is 0");
        assertThatThrownBy(() -> SmoothingConfig.lowPass(Double.NaN)).hasMessageContaining("cutoffHz is NaN");
        assertThatThrownBy(() -> AggregationConfig.temporalEnsemble(-1)).hasMessageContaining("ensembleK is -1.0");
        assertThatThrownBy(() -> AggregationConfig.weightedBlend(0, 0)).hasMessageContaining("oldWeight + newWeight is 0.0");
        assertThatThrownBy(() -> SafetyConfig.builder().maxVelocity(1, 0).build())
                .hasMessageContaining("maxVelocity[1] is 0.0").hasMessageContaining("+Infinity");
        assertThatThrownBy(() -> SafetyConfig.builder().axisBounds(new double[]{1}, new double[]{0}).build())
                .hasMessageContaining("axisMin[0] = 1.0 exceeds axisMax[0] = 0.0");
        assertThatThrownBy(() -> SafetyConfig.builder().staleAfter(Duration.ZERO).build())
                .hasMessageContaining("staleAfter is PT0S");
        assertThatThrownBy(() -> SafetyConfig.builder().estopBelowScore(2).build())
                .hasMessageContaining("estopBelowScore is 2.0");
        assertThatThrownBy(() -> ActionConfig.builder().dim(0).build()).hasMessageContaining("dim is 0")
                .hasMessageContaining("1 to 64");
        assertThatThrownBy(() -> ActionConfig.builder().handoffCapacity(6).build())
                .hasMessageContaining("handoffCapacity is 6");
        assertThatThrownBy(() -> ActionConfig.builder().dim(3).safety(SafetyConfig.frankaCartesian()).build())
                .hasMessageContaining("safety.maxVelocity has 7 entries").hasMessageContaining("dim = 3");
        assertThatThrownBy(() -> ActionConfig.builder().dim(2).deltaAxes(2).build())
                .hasMessageContaining("deltaAxes[0] is 2");
        assertThatThrownBy(() -> ActionConfig.builder().dim(2)
                .smoothing(SmoothingConfig.ema(0.5).toBuilder().exemptAxes(5).build()).build())
                .hasMessageContaining("smoothing.exemptAxes contains 5");
        assertThatThrownBy(() -> ActionConfig.builder().refillThreshold(0).build())
                .hasMessageContaining("refillThreshold is 0.0");
    }

    @Test
    void defaultsAndToBuilderRoundTrip() {
        assertThat(ActionConfig.DEFAULT.toBuilder().build()).isEqualTo(ActionConfig.DEFAULT);
        assertThat(SafetyConfig.frankaCartesian().toBuilder().build()).isEqualTo(SafetyConfig.frankaCartesian());
        assertThat(AggregationConfig.temporalEnsemble(0.3).toBuilder().build())
                .isEqualTo(AggregationConfig.temporalEnsemble(0.3));
        assertThat(AggregationConfig.builder().mode(AggregationConfig.Mode.WEIGHTED_BLEND).oldWeight(2).newWeight(1)
                .build()).isEqualTo(AggregationConfig.weightedBlend(2, 1));
        assertThat(SmoothingConfig.lowPass(3).toBuilder().build()).isEqualTo(SmoothingConfig.lowPass(3));
        assertThat(SmoothingConfig.DEFAULT.kind()).isEqualTo(SmoothingConfig.Kind.EMA);
        assertThat(SmoothingConfig.DEFAULT.alpha()).isEqualTo(0.5);
        assertThat(SafetyConfig.DEFAULT.staleAfter()).isEqualTo(Duration.ofMillis(100));
        assertThat(SafetyConfig.DEFAULT.estopAfterInvalid()).isEqualTo(3);
        double[] v = SafetyConfig.frankaCartesian().maxVelocity();
        v[0] = 99; // accessor returns a copy
        assertThat(SafetyConfig.frankaCartesian().maxVelocity()[0]).isEqualTo(1.7);
    }

    @Test
    void closedControllerRejects() {
        ActionController ctl = ActionController.builder(ActionConfig.DEFAULT).build();
        ctl.close();
        assertThat(ctl.offer(new float[7], 1, 0)).isEqualTo(OfferStatus.CLOSED);
        assertThatThrownBy(() -> ctl.next(0, new ActionCommand(7))).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> ctl.startLoop(c -> { })).isInstanceOf(IllegalStateException.class);
    }
}
