package io.github.streaminfer.backend.tensorrt;

import io.github.streaminfer.backend.ModelOptions;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TensorRtOptionsTest {

    private static ModelOptions.Builder gpu() {
        return ModelOptions.builder().device("cuda");
    }

    @Test
    void defaultsAreDeviceZeroFp32WithTheDefaultCachesAndNoGraphs() {
        TensorRtOptions o = TensorRtOptions.from(gpu().build());
        assertThat(o).isEqualTo(TensorRtOptions.DEFAULT);
        assertThat(o.deviceIndex()).isZero();
        assertThat(o.precision()).isEqualTo("fp32");
        assertThat(o.workspaceBytes()).isZero();
        assertThat(o.shapes().isEmpty()).isTrue();
        assertThat(o.cacheDir()).isEqualTo(TensorRtOptions.DEFAULT_CACHE_DIR);
        assertThat(o.timingCache()).isEqualTo(TensorRtOptions.DEFAULT_CACHE_DIR.resolve("timing.cache"));
        assertThat(o.cudaGraph()).isFalse();
        assertThat(o.format()).isEqualTo(ModelFormat.AUTO);
    }

    @Test
    void gpuDeviceStringsGiveTheirOrdinal() {
        assertThat(TensorRtOptions.deviceIndex("cuda")).isZero();
        assertThat(TensorRtOptions.deviceIndex("cuda:1")).isEqualTo(1);
        assertThat(TensorRtOptions.deviceIndex("GPU:3")).isEqualTo(3);
        assertThat(TensorRtOptions.deviceIndex("tensorrt")).isZero();
        assertThat(TensorRtOptions.from(ModelOptions.builder().device("cuda:2").build()).deviceIndex()).isEqualTo(2);
    }

    @Test
    void cpuAndMalformedDevicesAreRefusedWithWhatIsAllowed() {
        assertThatThrownBy(() -> TensorRtOptions.from(ModelOptions.DEFAULT))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("device is 'cpu'; allowed: cuda, cuda:N, gpu, gpu:N, tensorrt (TensorRT runs on NVIDIA GPUs only)");
        assertThatThrownBy(() -> TensorRtOptions.deviceIndex("cuda:x"))
                .hasMessage("device is 'cuda:x'; allowed: cuda:N with N >= 0");
        assertThatThrownBy(() -> TensorRtOptions.deviceIndex("cuda:-1"))
                .hasMessage("device is 'cuda:-1'; allowed: cuda:N with N >= 0");
        assertThatThrownBy(() -> TensorRtOptions.deviceIndex("npu")).hasMessageStartingWith("device is 'npu'; allowed:");
    }

    @Test
    void precisionComesFromTheModelOptions() {
        assertThat(TensorRtOptions.from(gpu().precision("fp16").build()).precision()).isEqualTo("fp16");
        assertThatThrownBy(() -> TensorRtOptions.builder().precision("bf16").build())
                .hasMessage("precision is 'bf16'; allowed: fp32, fp16, int8");
    }

    @Test
    void int8QuantizedIsOnlyAllowedWithInt8() {
        TensorRtOptions o = TensorRtOptions.from(gpu().precision("int8")
                .property(TensorRtOptions.INT8_QUANTIZED, "true").build());
        assertThat(o.int8Quantized()).isTrue();
        assertThatThrownBy(() -> TensorRtOptions.from(gpu().precision("fp16")
                .property(TensorRtOptions.INT8_QUANTIZED, "true").build()))
                .hasMessage("tensorrt.int8.quantized is true with precision fp16; allowed: only with precision int8");
    }

    @Test
    void workspaceTakesBytesAndBinarySuffixes() {
        assertThat(TensorRtOptions.parseBytes("k", "1048576")).isEqualTo(1L << 20);
        assertThat(TensorRtOptions.parseBytes("k", "512MiB")).isEqualTo(512L << 20);
        assertThat(TensorRtOptions.parseBytes("k", "2 GiB")).isEqualTo(2L << 30);
        assertThat(TensorRtOptions.parseBytes("k", "64kib")).isEqualTo(64L << 10);
        assertThat(TensorRtOptions.from(gpu().property(TensorRtOptions.WORKSPACE, "256MiB").build()).workspaceBytes())
                .isEqualTo(256L << 20);
    }

    @Test
    void badWorkspaceIsRefusedWithWhatIsAllowed() {
        for (String bad : new String[]{"lots", "-1", "12MB", "99999999999GiB"}) {
            assertThatThrownBy(() -> TensorRtOptions.from(gpu().property(TensorRtOptions.WORKSPACE, bad).build()))
                    .as(bad).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("tensorrt.workspace is '" + bad + "'; allowed: a size in bytes >= 0 with an optional "
                            + "KiB, MiB or GiB suffix, e.g. 512MiB");
        }
    }

    @Test
    void unknownTensorRtKeysAreRefusedAndOtherBackendsKeysIgnored() {
        assertThatThrownBy(() -> TensorRtOptions.from(gpu().property("tensorrt.workspaceSize", "1").build()))
                .hasMessageStartingWith("property tensorrt.workspaceSize is unknown; allowed: tensorrt.workspace, "
                        + "tensorrt.shapes.min");
        TensorRtOptions o = TensorRtOptions.from(gpu().property("onnx.openvino.device", "GPU").build());
        assertThat(o).isEqualTo(TensorRtOptions.DEFAULT);
    }

    @Test
    void cacheDirNoneDisablesBothCachesAndADirMovesTheTimingCache() {
        TensorRtOptions none = TensorRtOptions.from(gpu().property(TensorRtOptions.CACHE_DIR, "none").build());
        assertThat(none.cacheDir()).isNull();
        assertThat(none.timingCache()).isNull();
        TensorRtOptions dir = TensorRtOptions.from(gpu().property(TensorRtOptions.CACHE_DIR, "/tmp/engines").build());
        assertThat(dir.cacheDir()).isEqualTo(Path.of("/tmp/engines"));
        assertThat(dir.timingCache()).isEqualTo(Path.of("/tmp/engines/timing.cache"));
        TensorRtOptions own = TensorRtOptions.from(gpu().property(TensorRtOptions.CACHE_DIR, "/tmp/engines")
                .property(TensorRtOptions.TIMING_CACHE, "/tmp/t.cache").build());
        assertThat(own.timingCache()).isEqualTo(Path.of("/tmp/t.cache"));
    }

    @Test
    void booleansAndFormatsAreCheckedStrictly() {
        assertThat(TensorRtOptions.from(gpu().property(TensorRtOptions.CUDA_GRAPH, "TRUE").build()).cudaGraph()).isTrue();
        assertThatThrownBy(() -> TensorRtOptions.from(gpu().property(TensorRtOptions.CUDA_GRAPH, "yes").build()))
                .hasMessage("tensorrt.cudaGraph is 'yes'; allowed: true, false");
        assertThat(TensorRtOptions.from(gpu().property(TensorRtOptions.FORMAT, "engine").build()).format())
                .isEqualTo(ModelFormat.ENGINE);
        assertThatThrownBy(() -> TensorRtOptions.from(gpu().property(TensorRtOptions.FORMAT, "plan").build()))
                .hasMessage("tensorrt.format is 'plan'; allowed: auto, onnx, engine");
    }

    @Test
    void profileShapesAreParsedFromTheThreeProperties() {
        TensorRtOptions o = TensorRtOptions.from(gpu()
                .property(TensorRtOptions.SHAPES_MIN, "x:1x3x48x192")
                .property(TensorRtOptions.SHAPES_OPT, "x:4x3x48x192")
                .property(TensorRtOptions.SHAPES_MAX, "x:8x3x48x192").build());
        assertThat(o.shapes().max().get("x")).containsExactly(8, 3, 48, 192);
        assertThatThrownBy(() -> TensorRtOptions.from(gpu().property(TensorRtOptions.SHAPES_MIN, "x:1x3").build()))
                .hasMessageContaining("are given in tensorrt.shapes.min only");
    }

    @Test
    void applyToAndToBuilderRoundTrip() {
        TensorRtOptions o = TensorRtOptions.builder().deviceIndex(1).precision("int8").int8Quantized(true)
                .workspaceBytes(1L << 30).shapes(ProfileShapes.parse("a:1x2,b:1", "a:2x2,b:3", "a:4x2,b:9"))
                .cacheDir(Path.of("/c")).timingCache(null).cudaGraph(true).format(ModelFormat.ONNX).build();
        assertThat(TensorRtOptions.from(o.applyTo(ModelOptions.builder()).build())).isEqualTo(o);
        assertThat(o.toBuilder().build()).isEqualTo(o);
        assertThat(o.toBuilder().cudaGraph(false).build()).isNotEqualTo(o);
        assertThat(o.toString()).contains("device=cuda:1", "precision=int8", "workspaceBytes=1073741824");
    }

    @Test
    void cacheLocationsOfTheWrongKindAreRefused(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path file = java.nio.file.Files.writeString(dir.resolve("not-a-dir"), "x");
        assertThatThrownBy(() -> TensorRtOptions.from(gpu().property(TensorRtOptions.CACHE_DIR, file.toString()).build()))
                .hasMessage("tensorrt.cacheDir is '" + file + "', a file; allowed: a directory (created when missing) "
                        + "or none");
        assertThatThrownBy(() -> TensorRtOptions.from(gpu().property(TensorRtOptions.TIMING_CACHE, dir.toString())
                .build()))
                .hasMessage("tensorrt.timingCache is '" + dir + "', a directory; allowed: a file (created when missing) "
                        + "or none");
        assertThat(TensorRtOptions.from(gpu().property(TensorRtOptions.CACHE_DIR, dir.resolve("new").toString())
                .build()).cacheDir()).isEqualTo(dir.resolve("new"));
    }

    @Test
    void aDeviceIndexBeyondTheGpusFoundIsRefusedBeforeAnyCudaCall() {
        assertThatThrownBy(() -> DeviceInfo.select(1, 1))
                .hasMessage("device is cuda:1; allowed: cuda:0 (1 GPU found)");
        assertThatThrownBy(() -> DeviceInfo.select(4, 2))
                .hasMessage("device is cuda:4; allowed: cuda:0 .. cuda:1 (2 GPUs found)");
    }

    @Test
    void negativeValuesAreRefusedInTheBuilder() {
        assertThatThrownBy(() -> TensorRtOptions.builder().deviceIndex(-1).build())
                .hasMessage("deviceIndex is -1; allowed: >= 0");
        assertThatThrownBy(() -> TensorRtOptions.builder().workspaceBytes(-5).build())
                .hasMessage("tensorrt.workspace is -5; allowed: >= 0 (0: TensorRT's default)");
    }
}
