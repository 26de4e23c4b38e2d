package io.github.streaminfer.session;

import io.github.streaminfer.backend.ModelOptions;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SessionConfigTest {

    @Test
    void defaultsAreForControlLoops() {
        SessionConfig c = SessionConfig.DEFAULT;
        assertThat(c.ingress()).isEqualTo(IngressPolicy.LATEST_ONLY);
        assertThat(c.producerMode()).isEqualTo(ProducerMode.MULTI);
        assertThat(c.ingressQueueType()).isEqualTo(IngressQueueType.JCTOOLS);
        assertThat(c.toBuilder().build()).isEqualTo(c);
    }

    @Test
    void invalidValuesAreRefusedWithFieldValueAndAllowedRange() {
        assertThatThrownBy(() -> SessionConfig.DEFAULT.toBuilder().targetFps(-1).build())
                .hasMessageContaining("targetFps is -1.0").hasMessageContaining("allowed");
        assertThatThrownBy(() -> SessionConfig.DEFAULT.toBuilder().maxFps(Double.NaN).build())
                .hasMessageContaining("maxFps is NaN");
        assertThatThrownBy(() -> SessionConfig.DEFAULT.toBuilder().maxFps(10).targetFps(30).build())
                .hasMessageContaining("targetFps 30.0 exceeds maxFps 10.0");
        assertThatThrownBy(() -> SessionConfig.DEFAULT.toBuilder().maxConsecutiveFailures(0).build())
                .hasMessageContaining("maxConsecutiveFailures is 0");
        assertThatThrownBy(() -> SessionConfig.DEFAULT.toBuilder().name(" ").build())
                .hasMessageContaining("name is blank");
        assertThatThrownBy(() -> SessionConfig.DEFAULT.toBuilder().closeTimeout(Duration.ofSeconds(-1)).build())
                .hasMessageContaining("closeTimeout");
        assertThatThrownBy(() -> IngressPolicy.block(0)).hasMessageContaining("capacity is 0");
        assertThatThrownBy(() -> new IngressPolicy(IngressPolicy.Kind.LATEST_ONLY, 4))
                .hasMessageContaining("exactly 1");
    }

    @Test
    void modelOptionsValidateAndNormalise() {
        ModelOptions o = ModelOptions.builder().device(" CUDA:1 ").precision("FP16").providers("TensorRT", "cuda")
                .property("trt.engine_cache", "/tmp/x").build();
        assertThat(o.device()).isEqualTo("cuda:1");
        assertThat(o.deviceIndex()).isEqualTo(1);
        assertThat(o.precision()).isEqualTo("fp16");
        assertThat(o.providers()).containsExactly("tensorrt", "cuda");
        assertThat(o.property("trt.engine_cache")).contains("/tmp/x");
        assertThat(o.toBuilder().build()).isEqualTo(o);
        assertThat(ModelOptions.DEFAULT.intraOpThreads()).isEqualTo(1);
        assertThat(ModelOptions.DEFAULT.allowSpinning()).isFalse();
        assertThatThrownBy(() -> ModelOptions.builder().precision("fp8").build())
                .hasMessageContaining("precision is 'fp8'").hasMessageContaining("fp32, fp16, int8");
        assertThatThrownBy(() -> ModelOptions.builder().intraOpThreads(0).build())
                .hasMessageContaining("intraOpThreads is 0");
    }
}
