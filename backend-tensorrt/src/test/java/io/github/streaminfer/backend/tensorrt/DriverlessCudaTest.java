package io.github.streaminfer.backend.tensorrt;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The next branch of the check, for real: a machine whose dynamic linker finds a {@code libcuda.so.1} that is not a
 * working NVIDIA driver (a container with the library mounted but no GPU, a broken driver install). The stand-in is
 * an empty shared library compiled here with the system C compiler; the JVM that asks runs with it on
 * {@code LD_LIBRARY_PATH}. The real CUDA runtime then answers {@code cudaGetDeviceCount} with
 * {@code cudaErrorInsufficientDriver}, and the backend must say so, without crashing. Where the CUDA runtime itself
 * is missing (no {@code libcudart.so.13}: a CI machine without CUDA), the answer names that instead.
 */
class DriverlessCudaTest {

    @Test
    void aLibcudaThatIsNoDriverGivesTheCudaErrorAndNoCrash(@TempDir Path dir) throws Exception {
        assumeTrue(!new TensorRtBackend().isAvailable(), "TensorRT is available here");
        Path cc = findCompiler();
        assumeTrue(cc != null, "no C compiler (cc/gcc) on PATH to build the stand-in libcuda.so.1");
        Path src = dir.resolve("fake_libcuda.c");
        Files.writeString(src, "int streaminfer_not_a_driver;\n");
        Path lib = dir.resolve("libcuda.so.1");
        run(List.of(cc.toString(), "-shared", "-fPIC", "-Wl,-soname,libcuda.so.1", "-o", lib.toString(),
                src.toString()), null, dir);

        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        String out = run(List.of(java.toString(), "-cp", System.getProperty("java.class.path"),
                AvailabilityProbe.class.getName()), dir.toString(), dir);
        System.out.println(out);
        assertThat(out).contains("available=false").contains("again=true");
        String cause = out.substring(out.indexOf("cause=") + 6, out.indexOf("\nagain="));
        assertThat(cause).doesNotContain("libcuda.so.1 is missing");
        if (cause.startsWith("no usable NVIDIA GPU")) {
            assertThat(cause).isEqualTo("no usable NVIDIA GPU: cudaGetDeviceCount failed with "
                    + "cudaErrorInsufficientDriver (35): CUDA driver version is insufficient for CUDA runtime version "
                    + "(no NVIDIA driver found)");
        } else {
            assertThat(cause).startsWith("the CUDA runtime cannot be loaded: libcudart.so.13 is missing (the CUDA runtime)");
        }
    }

    private static Path findCompiler() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            for (String name : new String[]{"cc", "gcc"}) {
                Path p = Path.of(dir, name);
                if (Files.isExecutable(p)) {
                    return p;
                }
            }
        }
        return null;
    }

    private static String run(List<String> command, String libraryPath, Path dir) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
        if (libraryPath != null) {
            pb.environment().put("LD_LIBRARY_PATH", libraryPath);
        }
        Process p = pb.start();
        byte[] output = p.getInputStream().readAllBytes();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("%s finishes", command.get(0)).isTrue();
        String text = new String(output, StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as("%s exits cleanly (no native crash):%n%s", command.get(0), text).isZero();
        return text;
    }
}
