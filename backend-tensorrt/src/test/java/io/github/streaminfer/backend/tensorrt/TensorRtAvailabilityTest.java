package io.github.streaminfer.backend.tensorrt;

import io.github.streaminfer.backend.Backends;
import io.github.streaminfer.backend.InferenceBackend;
import io.github.streaminfer.backend.ModelOptions;
import io.github.streaminfer.backend.ModelSource;
import io.github.streaminfer.exceptions.BackendUnavailableException;
import io.github.streaminfer.synthetic.SyntheticModels;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/**
 * The backend on a machine without TensorRT, CUDA libraries, driver or GPU (the build machine): a clear, fast answer
 * and a clean refusal, never a crash. Skipped where TensorRT is available.
 */
class TensorRtAvailabilityTest {
    private static final TensorRtBackend BACKEND = new TensorRtBackend();

    private static void assumeUnavailable() {
        assumeFalse(BACKEND.isAvailable(), () -> "TensorRT is available here: " + BACKEND.description());
    }

    @Test
    void theCauseNamesTheMissingPieceAndItsCheckIsFast() {
        assumeUnavailable();
        Throwable cause = BACKEND.unavailabilityCause();
        String message = cause.getMessage();
        System.out.println("tensorrt unavailable because: " + message);
        System.out.println("decided in " + BACKEND.availabilityCheckNanos() / 1000 + " us");
        // the first piece that is missing here is the CUDA runtime; on a machine with CUDA but no GPU the message
        // names the GPU, and with a GPU but no TensorRT it names TensorRT
        assertThat(message).containsAnyOf("CUDA runtime", "NVIDIA GPU", "TensorRT");
        if (message.startsWith("the CUDA runtime cannot be loaded")) {
            // the library the dynamic linker did not find is named up front, then the whole chain
            assertThat(message).containsPattern("^the CUDA runtime cannot be loaded: lib[a-z]+\\.so[0-9.]* is missing")
                    .contains("UnsatisfiedLinkError");
        }
        // a loose bound, not a speed target: it catches a hang (a driver probe that waits, a network lookup);
        // JavaCPP's loader itself takes 0.3 to 0.9 s on the loaded 2-core build machine
        assertThat(BACKEND.availabilityCheckNanos()).as("decided in about a second at most")
                .isLessThan(TimeUnit.SECONDS.toNanos(2));
        assertThat(BACKEND.description()).startsWith("TensorRT (unavailable: ").contains(message);
        assertThat(BACKEND.tensorRtVersion()).isNull();
    }

    @Test
    void theMissingLibraryIsPickedOutOfTheLinkErrorChain() {
        UnsatisfiedLinkError driver = new UnsatisfiedLinkError("/cache/libjnicudart.so: libcuda.so.1: cannot open "
                + "shared object file: No such file or directory");
        UnsatisfiedLinkError outer = new UnsatisfiedLinkError("no jnicudart in java.library.path: /usr/lib");
        outer.initCause(driver);
        assertThat(NativeCheck.missing(outer)).isEqualTo(": libcuda.so.1 is missing (the NVIDIA driver is not installed)");
        assertThat(NativeCheck.missing(new UnsatisfiedLinkError("x.so: libcudart.so.13: cannot open shared object file")))
                .isEqualTo(": libcudart.so.13 is missing (the CUDA runtime)");
        assertThat(NativeCheck.missing(new UnsatisfiedLinkError("y.so: libnvinfer.so.10: cannot open shared object file")))
                .isEqualTo(": libnvinfer.so.10 is missing (TensorRT)");
        assertThat(NativeCheck.missing(new NoClassDefFoundError("Could not initialize class org.bytedeco.cuda.global.cudart")))
                .isEmpty();
        assertThat(NativeCheck.chain(outer)).isEqualTo(outer + " <- " + driver);
    }

    @Test
    void theAnswerIsDecidedOnceAndTheSameForEveryThreadAndInstance() throws Exception {
        assumeUnavailable();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Callable<Throwable>> asks = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                asks.add(() -> {
                    TensorRtBackend b = new TensorRtBackend();
                    return b.isAvailable() ? null : b.unavailabilityCause();
                });
            }
            for (Future<Throwable> f : pool.invokeAll(asks)) {
                assertThat(f.get(10, TimeUnit.SECONDS)).isSameAs(BACKEND.unavailabilityCause());
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void loadRefusesWithTheCauseBeforeReadingOptionsOrTheModel() {
        assumeUnavailable();
        ModelSource missing = ModelSource.of(java.nio.file.Path.of("/nonexistent/model.onnx"));
        assertThatThrownBy(() -> BACKEND.load(missing, ModelOptions.DEFAULT))
                .isInstanceOf(BackendUnavailableException.class)
                .hasMessageStartingWith("backend 'tensorrt' is unavailable: ")
                .hasMessageContaining(BACKEND.unavailabilityCause().getMessage())
                .hasCause(BACKEND.unavailabilityCause());
        assertThatThrownBy(() -> BACKEND.ensureAvailability()).isInstanceOf(BackendUnavailableException.class);
    }

    @Test
    void requireListsEveryBackendAndWhyEachIsUnavailable() {
        assumeUnavailable();
        List<String> ids = new ArrayList<>();
        for (InferenceBackend b : Backends.all()) {
            ids.add(b.id());
        }
        assertThat(ids).contains("tensorrt", "onnx");
        assertThatThrownBy(() -> Backends.require("tensorrt"))
                .isInstanceOf(BackendUnavailableException.class)
                .hasMessageStartingWith("backend 'tensorrt' is unavailable: " + BACKEND.unavailabilityCause().getMessage())
                .hasMessageContaining("backends found:")
                .hasMessageContaining("\n  tensorrt: unavailable: " + BACKEND.unavailabilityCause().getMessage())
                .hasMessageContaining("\n  onnx: available (ONNX Runtime");
        assertThat(Backends.require("onnx").id()).as("the peer is still usable").isEqualTo("onnx");
    }

    @Test
    void theOnnxPeerRunsTheSameModelWhileTensorRtIsUnavailable() {
        assumeUnavailable();
        // the one-line switch falls back: a caller that asks for tensorrt and gets the exception can load the same
        // model on onnx with the same options minus the device
        byte[] bytes = new SyntheticModels.TinyMlp().bytes();
        try (var m = Backends.require("onnx").load(ModelSource.ofBytes("tiny_mlp.onnx", bytes), ModelOptions.DEFAULT)) {
            assertThat(m.inputs()).hasSize(1);
        }
    }
}
