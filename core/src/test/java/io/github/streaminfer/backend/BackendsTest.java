package io.github.streaminfer.backend;

import io.github.streaminfer.exceptions.BackendUnavailableException;
import io.github.streaminfer.exceptions.ModelLoadException;
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

    private static InferenceBackend fake(String id, String cause) {
        return new InferenceBackend() {
            @Override
            public String id() {
                return id;
            }

            @Override
            public boolean isAvailable() {
                return cause == null;
            }

            @Override
            public Throwable unavailabilityCause() {
                return cause == null ? null : new UnsatisfiedLinkError(cause);
            }

            @Override
            public LoadedModel load(ModelSource source, ModelOptions options) {
                throw new AssertionError("not loaded in this test");
            }
        };
    }

    @Test
    void anUnavailableBackendFallsBackWithOneLineNamingItsCause() {
        InferenceBackend cpu = fake("cpu-rt", null);
        java.util.List<InferenceBackend> all = java.util.List.of(fake("gpu-rt", "libcuda.so.1: not found\nmore"), cpu);
        java.util.List<String> notices = new java.util.ArrayList<>();
        assertThat(Backends.requireOrFallback(all, "GPU-RT", "cpu-rt", notices::add)).isSameAs(cpu);
        assertThat(notices).containsExactly(
                "backend 'gpu-rt' is unavailable (libcuda.so.1: not found more); running on 'cpu-rt' instead");
    }

    @Test
    void anAvailableBackendIsChosenWithoutANotice() {
        InferenceBackend gpu = fake("gpu-rt", null);
        java.util.List<String> notices = new java.util.ArrayList<>();
        assertThat(Backends.requireOrFallback(java.util.List.of(gpu, fake("cpu-rt", null)), "gpu-rt", "cpu-rt",
                notices::add)).isSameAs(gpu);
        assertThat(notices).isEmpty();
    }

    @Test
    void fallingBackFailsListingEveryBackendWhenTheIdIsUnknownOrTheFallbackUnavailable() {
        java.util.List<InferenceBackend> all = java.util.List.of(fake("gpu-rt", "no driver"), fake("cpu-rt", "gone"));
        assertThatThrownBy(() -> Backends.requireOrFallback(all, "nosuch", "cpu-rt", n -> { }))
                .isInstanceOf(BackendUnavailableException.class)
                .hasMessageContaining("no backend 'nosuch' found")
                .hasMessageContaining("gpu-rt: unavailable: no driver")
                .hasMessageContaining("cpu-rt: unavailable: gone");
        assertThatThrownBy(() -> Backends.requireOrFallback(all, "gpu-rt", "cpu-rt", n -> { }))
                .isInstanceOf(BackendUnavailableException.class)
                .hasMessageContaining("backend 'gpu-rt' is unavailable: no driver, and so is the fallback 'cpu-rt'");
    }
}
