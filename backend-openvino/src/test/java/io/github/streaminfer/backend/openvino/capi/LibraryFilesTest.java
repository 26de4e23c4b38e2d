package io.github.streaminfer.backend.openvino.capi;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class LibraryFilesTest {
    @TempDir
    Path dir;

    private Path touch(String name) throws IOException {
        return Files.write(dir.resolve(name), new byte[1]);
    }

    @Test
    void pipWheelLayoutTakesTheHighestSoVersion() throws IOException {
        touch("libopenvino.so.2540");
        touch("libopenvino_c.so.2410");
        Path newest = touch("libopenvino_c.so.2540");
        touch("libopenvino_onnx_frontend.so.2540");
        assertThat(LibraryFiles.find(dir)).contains(newest);
        assertThat(LibraryFiles.candidates(dir)).extracting(p -> p.getFileName().toString())
                .containsExactly("libopenvino_c.so.2410", "libopenvino_c.so.2540");
    }

    @Test
    void installLayoutTakesThePlainName() throws IOException {
        touch("libopenvino_c.so.2025.4.0");
        touch("libopenvino_c.so.2540");
        Path plain = touch("libopenvino_c.so");
        assertThat(LibraryFiles.find(dir)).contains(plain);
    }

    @Test
    void otherFilesAreNotTaken() throws IOException {
        touch("libopenvino.so.2540");
        touch("libopenvino_c.so.txt");
        assertThat(LibraryFiles.find(dir)).isEmpty();
    }

    @Test
    void versionIsReadFromLinuxAndMacNames() {
        assertThat(LibraryFiles.soVersion("libopenvino_c.so.2540")).isEqualTo(2540);
        assertThat(LibraryFiles.soVersion("libopenvino_c.so.2025.4.0")).isEqualTo(2025);
        assertThat(LibraryFiles.soVersion("libopenvino_c.2540.dylib")).isEqualTo(2540);
        assertThat(LibraryFiles.soVersion("libopenvino_c.so")).isEqualTo(-1);
        assertThat(LibraryFiles.soVersion("libopenvino.so.2540")).isEqualTo(-1);
    }
}
