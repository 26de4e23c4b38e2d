package io.github.streaminfer.backend.openvino;

import io.github.streaminfer.backend.Backends;
import io.github.streaminfer.backend.ModelOptions;
import io.github.streaminfer.backend.ModelSource;
import io.github.streaminfer.exceptions.BackendUnavailableException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Machines where OpenVINO cannot be used: each reason is found on the first question, in well under a second, with
 * its exact cause, and the JVM goes on (the next test runs).
 */
class UnavailableOpenVinoTest {
    @TempDir
    Path dir;

    /** Asks a fresh backend, checks the answer is fast, consistent and decided once, and returns the cause text. */
    private static String causeOf(OpenVinoBackend backend) {
        long start = System.nanoTime();
        boolean available = backend.isAvailable();
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertThat(available).isFalse();
        assertThat(millis).as("time to decide, ms").isLessThan(1000);
        Throwable cause = backend.unavailabilityCause();
        assertThat(cause).isNotNull();
        assertThat(backend.unavailabilityCause()).as("decided once").isSameAs(cause);
        backend.libraryDirectory().ifPresent(d -> assertThat(new OpenVinoBackend(d).unavailabilityCause())
                .as("decided once per directory").isSameAs(cause));
        assertThat(backend.description()).startsWith("OpenVINO (unavailable: ");
        assertThatThrownBy(() -> backend.load(ModelSource.ofBytes("m.xml", new byte[1]), ModelOptions.DEFAULT))
                .isInstanceOf(BackendUnavailableException.class).hasMessageContaining("backend 'openvino' is unavailable")
                .hasMessageContaining(cause.getMessage());
        System.out.println("unavailable because: " + cause.getMessage());
        return cause.getMessage();
    }

    private static boolean nothingConfigured() {
        return System.getProperty(OpenVinoBackend.DIR_PROPERTY) == null && System.getenv(OpenVinoBackend.DIR_ENV) == null;
    }

    @Test
    void withoutAConfiguredDirectoryItSaysHowToConfigureOne() {
        assumeTrue(nothingConfigured(), "an OpenVINO directory is configured on this machine");
        assertThat(causeOf(new OpenVinoBackend())).contains("no OpenVINO library directory configured")
                .contains(OpenVinoBackend.DIR_PROPERTY, OpenVinoBackend.DIR_ENV, "runtime/lib/intel64",
                        "openvino/libs");
    }

    @Test
    void missingDirectoryIsNamed() {
        Path missing = dir.resolve("no-such-dir");
        assertThat(causeOf(new OpenVinoBackend(missing))).contains(missing + " does not exist");
    }

    @Test
    void directoryWithoutTheCLibraryListsWhatItHas() throws IOException {
        Files.write(dir.resolve("libopenvino.so.2540"), new byte[1]);
        assertThat(causeOf(new OpenVinoBackend(dir))).contains("no libopenvino_c.so (or versioned libopenvino_c.so.NNNN)")
                .contains("OpenVINO files there: libopenvino.so.2540");
    }

    @Test
    void fileTheLoaderRejectsGivesTheLoadersText() throws IOException {
        Files.writeString(dir.resolve("libopenvino_c.so"), "this is a text file, not a shared library. ".repeat(4));
        assertThat(causeOf(new OpenVinoBackend(dir))).contains("cannot load " + dir.resolve("libopenvino_c.so"))
                .contains("invalid ELF header");
    }

    @Test
    void libraryLackingASymbolNamesIt() {
        Path lib = FakeOpenVino.missingSymbolDir();
        assertThat(causeOf(new OpenVinoBackend(lib))).contains("lacks ov_infer_request_infer")
                .contains("not OpenVINO's C API 2.0 library");
    }

    @Test
    void serviceLoaderBackendIsUnavailableAndRequireListsEveryBackendAndWhy() {
        assumeTrue(nothingConfigured(), "an OpenVINO directory is configured on this machine");
        assertThat(Backends.find(OpenVinoBackend.ID)).isPresent();
        assertThatThrownBy(() -> Backends.require("openvino")).isInstanceOf(BackendUnavailableException.class)
                .hasMessageContaining("backend 'openvino' is unavailable: no OpenVINO library directory configured")
                .hasMessageContaining("backends found:")
                .hasMessageContaining("\n  openvino: unavailable: no OpenVINO library directory configured");
    }

    @Test
    void standInInTheWheelsLayoutIsAvailableWithItsVersion() {
        OpenVinoBackend backend = new OpenVinoBackend(FakeOpenVino.dir());
        assertThat(backend.isAvailable()).isTrue();
        assertThat(backend.unavailabilityCause()).isNull();
        assertThat(backend.runtimeVersion()).contains("2025.4.0-fake-stand-in");
        assertThat(backend.description()).isEqualTo("OpenVINO 2025.4.0-fake-stand-in ("
                + FakeOpenVino.dir().resolve(FakeOpenVino.VERSIONED_NAME) + ")");
    }
}
