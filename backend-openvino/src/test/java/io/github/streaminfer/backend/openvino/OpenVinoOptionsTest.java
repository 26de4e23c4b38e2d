package io.github.streaminfer.backend.openvino;

import io.github.streaminfer.backend.ModelOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class OpenVinoOptionsTest {

    private static OpenVinoOptions of(ModelOptions.Builder b) {
        return OpenVinoOptions.from(b.build());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "cpu|CPU", "CPU|CPU", "gpu|GPU", "gpu:1|GPU.1", "gpu.0|GPU.0", "npu|NPU", "auto|AUTO",
        "auto:gpu,cpu|AUTO:GPU,CPU", "auto:npu, gpu:1 ,cpu|AUTO:NPU,GPU.1,CPU", "hetero:gpu,cpu|HETERO:GPU,CPU",
        "multi:gpu.1,cpu|MULTI:GPU.1,CPU"})
    void deviceNamesBecomeOpenVinoDeviceStrings(String device, String openVino) {
        assertThat(of(ModelOptions.builder().device(device)).device()).isEqualTo(openVino);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"cuda:0", "tensorrt", "gpu:x", "gpu:", "hetero", "auto:cpu,,gpu", "vpu"})
    void unknownDevicesAreRefusedNamingWhatIsAllowed(String device) {
        assertThatThrownBy(() -> of(ModelOptions.builder().device(device))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("device is '" + device + "'").hasMessageContaining("allowed: cpu, gpu, gpu:N");
    }

    @Test
    void defaultsAreTheLatencyHintAndOneCpuThread() {
        OpenVinoOptions o = OpenVinoOptions.from(ModelOptions.DEFAULT);
        assertThat(o.device()).isEqualTo("CPU");
        assertThat(o.properties()).containsExactly(Map.entry("PERFORMANCE_HINT", "LATENCY"),
                Map.entry("INFERENCE_NUM_THREADS", "1"));
        assertThat(o.keysAndValues()).containsExactly("PERFORMANCE_HINT", "LATENCY", "INFERENCE_NUM_THREADS", "1");
    }

    @Test
    void threadCountIsPassedOnlyToTheCpuDevice() {
        assertThat(of(ModelOptions.builder().intraOpThreads(4)).properties())
                .containsEntry("INFERENCE_NUM_THREADS", "4");
        assertThat(of(ModelOptions.builder().device("gpu").intraOpThreads(4)).properties())
                .doesNotContainKey("INFERENCE_NUM_THREADS");
    }

    @Test
    void hintStreamsPrecisionAndCacheAreRead() {
        OpenVinoOptions o = of(ModelOptions.builder().device("gpu")
                .property(OpenVinoOptions.PERFORMANCE_HINT, "cumulative_throughput")
                .property(OpenVinoOptions.NUM_STREAMS, "auto")
                .property(OpenVinoOptions.INFERENCE_PRECISION, "BF16")
                .property(OpenVinoOptions.CACHE_DIR, "/var/cache/ov")
                .property(OpenVinoOptions.PROPERTY_PREFIX + "GPU_ENABLE_LOOP_UNROLLING", "NO")
                .property("onnx.openvino.device", "CPU")); // another backend's key: ignored
        assertThat(o.properties()).containsExactly(Map.entry("PERFORMANCE_HINT", "CUMULATIVE_THROUGHPUT"),
                Map.entry("NUM_STREAMS", "AUTO"), Map.entry("INFERENCE_PRECISION_HINT", "bf16"),
                Map.entry("CACHE_DIR", "/var/cache/ov"), Map.entry("GPU_ENABLE_LOOP_UNROLLING", "NO"));
    }

    @Test
    void precisionHintFollowsModelPrecisionUnlessGiven() {
        assertThat(of(ModelOptions.builder().precision("fp16")).properties())
                .containsEntry("INFERENCE_PRECISION_HINT", "f16");
        for (String p : List.of("fp32", "int8")) {
            assertThat(of(ModelOptions.builder().precision(p)).properties()).as(p)
                    .doesNotContainKey("INFERENCE_PRECISION_HINT");
        }
        assertThat(of(ModelOptions.builder().precision("fp16").property(OpenVinoOptions.INFERENCE_PRECISION, "f32"))
                .properties()).containsEntry("INFERENCE_PRECISION_HINT", "f32");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "openvino.performance_hint|fastest|openvino.performance_hint is 'fastest'; allowed: latency, throughput, "
            + "cumulative_throughput",
        "openvino.num_streams|0|openvino.num_streams is '0'; allowed: a number >= 1, auto, numa",
        "openvino.num_streams|many|openvino.num_streams is 'many'; allowed: a number >= 1, auto, numa",
        "openvino.inference_precision|int8|openvino.inference_precision is 'int8'; allowed: f32, f16, bf16",
        "openvino.cache_dir| |openvino.cache_dir is blank; allowed: a directory path",
        "openvino.perf_hint|LATENCY|property 'openvino.perf_hint' is unknown; allowed: openvino.performance_hint, "
            + "openvino.num_streams, openvino.inference_precision, openvino.cache_dir, openvino.property.KEY",
        "openvino.property.|1|property key 'openvino.property.' names no OpenVINO property"})
    void badValuesAreRefusedNamingTheKeyTheValueAndWhatIsAllowed(String key, String value, String message) {
        assertThatThrownBy(() -> of(ModelOptions.builder().property(key, value == null ? " " : value)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith(message);
    }
}
