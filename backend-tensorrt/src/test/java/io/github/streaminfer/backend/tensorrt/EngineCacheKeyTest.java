package io.github.streaminfer.backend.tensorrt;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EngineCacheKeyTest {
    private static final byte[] MODEL = "pretend onnx".getBytes(StandardCharsets.UTF_8);
    private static final Map<String, ProfileShapes.Profile> PROFILE = Map.of("x",
            new ProfileShapes.Profile(new long[]{1, 8}, new long[]{4, 8}, new long[]{8, 8}));

    private static EngineCacheKey key(byte[] model, String version, String gpu, String cc, TensorRtOptions o,
                                      Map<String, ProfileShapes.Profile> profile) {
        return EngineCacheKey.of(model, version, gpu, cc, o, profile);
    }

    private static EngineCacheKey base() {
        return key(MODEL, "10.15.1", "NVIDIA H100 80GB HBM3", "9.0", TensorRtOptions.DEFAULT, PROFILE);
    }

    @Test
    void sha256MatchesTheStandardTestVector() {
        assertThat(EngineCacheKey.sha256("abc".getBytes(StandardCharsets.US_ASCII)))
                .isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    @Test
    void theSameInputsGiveTheSameKey() {
        assertThat(base().hash()).isEqualTo(base().hash()).hasSize(64);
        assertThat(base()).isEqualTo(base());
        Map<String, ProfileShapes.Profile> copy = new LinkedHashMap<>();
        copy.put("x", new ProfileShapes.Profile(new long[]{1, 8}, new long[]{4, 8}, new long[]{8, 8}));
        assertThat(key(MODEL.clone(), "10.15.1", "NVIDIA H100 80GB HBM3", "9.0", TensorRtOptions.DEFAULT, copy).hash())
                .isEqualTo(base().hash());
    }

    @Test
    void everyInputTheEngineDependsOnChangesTheKey() {
        byte[] other = MODEL.clone();
        other[0] ^= 1;
        TensorRtOptions fp16 = TensorRtOptions.builder().precision("fp16").build();
        TensorRtOptions int8 = TensorRtOptions.builder().precision("int8").int8Quantized(true).build();
        TensorRtOptions ws = TensorRtOptions.builder().workspaceBytes(1L << 28).build();
        List<EngineCacheKey> keys = List.of(base(),
                key(other, "10.15.1", "NVIDIA H100 80GB HBM3", "9.0", TensorRtOptions.DEFAULT, PROFILE),
                key(MODEL, "10.15.2", "NVIDIA H100 80GB HBM3", "9.0", TensorRtOptions.DEFAULT, PROFILE),
                key(MODEL, "10.15.1", "NVIDIA L4", "9.0", TensorRtOptions.DEFAULT, PROFILE),
                key(MODEL, "10.15.1", "NVIDIA H100 80GB HBM3", "8.9", TensorRtOptions.DEFAULT, PROFILE),
                key(MODEL, "10.15.1", "NVIDIA H100 80GB HBM3", "9.0", fp16, PROFILE),
                key(MODEL, "10.15.1", "NVIDIA H100 80GB HBM3", "9.0", int8, PROFILE),
                key(MODEL, "10.15.1", "NVIDIA H100 80GB HBM3", "9.0", ws, PROFILE),
                key(MODEL, "10.15.1", "NVIDIA H100 80GB HBM3", "9.0", TensorRtOptions.DEFAULT, Map.of("x",
                        new ProfileShapes.Profile(new long[]{1, 8}, new long[]{4, 8}, new long[]{16, 8}))),
                key(MODEL, "10.15.1", "NVIDIA H100 80GB HBM3", "9.0", TensorRtOptions.DEFAULT, Map.of()));
        Set<String> hashes = new HashSet<>();
        for (EngineCacheKey k : keys) {
            hashes.add(k.hash());
        }
        assertThat(hashes).hasSize(keys.size());
    }

    @Test
    void settingsThatDoNotAffectTheEngineDoNotChangeTheKey() {
        TensorRtOptions other = TensorRtOptions.builder().cudaGraph(true).cacheDir(null).timingCache(null).build();
        assertThat(key(MODEL, "10.15.1", "NVIDIA H100 80GB HBM3", "9.0", other, PROFILE).hash())
                .isEqualTo(base().hash());
    }

    @Test
    void canonicalTextListsEveryField() {
        assertThat(base().canonical()).isEqualTo("format=1\n"
                + "model.sha256=" + EngineCacheKey.sha256(MODEL) + "\n"
                + "tensorrt=10.15.1\n"
                + "gpu=NVIDIA H100 80GB HBM3\n"
                + "cc=9.0\n"
                + "precision=fp32\n"
                + "int8.quantized=false\n"
                + "workspace=0\n"
                + "profile.x=[1, 8]..[4, 8]..[8, 8]\n");
    }

    @Test
    void fileNameIsTheModelStemAndAHashPrefix() {
        EngineCacheKey k = base();
        assertThat(k.fileName("/models/PP-OCR cls.onnx")).isEqualTo("pp-ocr_cls-" + k.hash().substring(0, 20) + ".engine");
        assertThat(k.fileName("classpath:models/x.onnx")).matches("x-[0-9a-f]{20}\\.engine");
        assertThat(k.fileName("")).startsWith("model-");
        assertThat(k.fileName("a".repeat(200) + ".onnx")).hasSize(64 + 1 + 20 + ".engine".length());
    }

    @Test
    void aMalformedModelHashIsRefused() {
        assertThatThrownBy(() -> new EngineCacheKey("ABC", "v", "g", "1.0", "fp32", false, 0, Map.of()))
                .hasMessage("modelSha256 is 'ABC'; allowed: 64 lower-case hex digits");
    }
}
