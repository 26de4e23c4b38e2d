package io.github.streaminfer.backend.openvino;

import io.github.streaminfer.backend.InferenceBackend;
import io.github.streaminfer.backend.LoadedModel;
import io.github.streaminfer.backend.ModelOptions;
import io.github.streaminfer.backend.ModelSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The README's example, verbatim, against the stand-in library. */
class ReadmeExampleTest {
    @TempDir
    Path modelDir;

    @Test
    void readmeExampleLoadsAnIrModelOnCpuWithTheLatencyHint() throws Exception {
        FakeOpenVino.writeModel(modelDir.resolve("best.xml"), FakeOpenVino.DYNAMIC_MODEL);
        Files.write(modelDir.resolve("best.bin"), new byte[4]);
        Path openVinoLibs = FakeOpenVino.dir();

        InferenceBackend openvino = new OpenVinoBackend(openVinoLibs);             // e.g. …/runtime/lib/intel64
        // or: Backends.require("openvino") with -Dstreaminfer.openvino.dir=… / OPENVINO_LIB_DIR=…
        LoadedModel detector = openvino.load(ModelSource.of(modelDir.resolve("best.xml")), // best.bin beside it
                ModelOptions.builder().device("cpu")                              // gpu, gpu:1, npu, auto, auto:gpu,cpu
                        .property(OpenVinoOptions.PERFORMANCE_HINT, "latency")    // the default
                        .build());

        try (detector) {
            assertThat(FakeOpenVino.lastDevice()).isEqualTo("CPU");
            assertThat(FakeOpenVino.lastProperties()).startsWith("PERFORMANCE_HINT=LATENCY");
            assertThat(FakeOpenVino.lastBinPath()).isEqualTo(modelDir.resolve("best.bin").toString());
            detector.warmup(1);
        }
    }
}
