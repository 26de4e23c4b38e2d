package io.github.streaminfer.backend;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BackendsTest {

    @Test
    void missingBackendNamesTheArtifactAndListsWhatWasFound() {
        assertThatThrownBy(() -> Backends.require("nosuch"))
                .isInstanceOf(BackendUnavailableException.class)
                .hasMessageContaining("no backend 'nosuch' found")
                .hasMessageContaining("streaminfer-backend-nosuch")
                .hasMessageContaining("backends found");
    }

    @Test
    void describeSaysWhyEachBackendIsUnavailable() {
        InferenceBackend broken = new InferenceBackend() {
            @Override
            public String id() {
                return "gpu-only";
            }

            @Override
            public boolean isAvailable() {
                return false;
            }

            @Override
            public Throwable unavailabilityCause() {
                return new UnsatisfiedLinkError("libcuda.so.1: cannot open shared object file");
            }

            @Override
            public LoadedModel load(ModelSource source, ModelOptions options) {
                ensureAvailability();
                throw new AssertionError("unreachable");
            }
        };
        assertThat(Backends.describe(java.util.List.of(broken)))
                .contains("gpu-only: unavailable: libcuda.so.1: cannot open shared object file");
        assertThatThrownBy(broken::ensureAvailability).isInstanceOf(BackendUnavailableException.class)
                .hasMessageContaining("backend 'gpu-only' is unavailable: libcuda.so.1")
                .hasCauseInstanceOf(UnsatisfiedLinkError.class);
    }

    @Test
    void modelSourcesNameThemselvesInErrors() {
        ModelSource missing = ModelSource.of(java.nio.file.Path.of("/nonexistent/model.onnx"));
        assertThatThrownBy(missing::readAllBytes).isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("/nonexistent/model.onnx");
        ModelSource res = ModelSource.ofResource(getClass().getClassLoader(), "no/such/model.onnx");
        assertThatThrownBy(res::readAllBytes).isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("no/such/model.onnx");
        assertThat(ModelSource.ofBytes("m.onnx", new byte[]{1}).name()).isEqualTo("m.onnx");
    }
}
