package io.github.streaminfer.backend.onnx;

import io.github.streaminfer.Diagnostics;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** Runs the {@code doctor} entry point as a user would, with the ONNX backend on the class path. */
class DiagnosticsTest {

    @Test
    void doctorPrintsBackendsDecoderNativesCpuJvmAndGc() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream saved = System.out;
        System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        try {
            Diagnostics.main(new String[] {"doctor"});
        } finally {
            System.setOut(saved);
        }
        String report = bytes.toString(StandardCharsets.UTF_8);

        assertThat(report).contains("backends found:").containsPattern("\\n  onnx: available");
        assertThat(report).containsPattern("image decoder in use: \\S+");
        assertThat(report).contains("native libraries loaded:");
        if (System.getProperty("os.name").startsWith("Linux")) {
            assertThat(report).as("ONNX Runtime's JNI library, loaded by probing the backend")
                    .containsPattern("\\n  /\\S*onnxruntime\\S*\\.so");
        }
        assertThat(report).contains("CPU: " + System.getProperty("os.arch"));
        assertThat(report).contains("JVM: " + System.getProperty("java.vm.name"));
        String gc = ManagementFactory.getGarbageCollectorMXBeans().get(0).getName();
        assertThat(report).contains("GC: ").contains(gc);
    }
}
