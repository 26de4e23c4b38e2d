package io.github.streaminfer.backend.onnx;

import io.github.streaminfer.backend.Backends;
import io.github.streaminfer.backend.LoadedModel;
import io.github.streaminfer.backend.ModelOptions;
import io.github.streaminfer.backend.ModelSource;
import io.github.streaminfer.synthetic.SyntheticModels;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * ONNX Runtime's native start-up (loading the JNI library and creating its environment) needs more stack than a
 * small or busy caller has: on a 256 KiB thread, or on a server's main thread at {@code -Xss512k}, it overflowed in
 * native code and the JVM died with SIGSEGV and no hs_err file. The backend does that work, and creates sessions, on
 * a loader thread with a stack of its own, so a child JVM loads and runs a model from a thread of 256 KiB.
 */
class SmallStackLoadTest {

    @Test
    void loadsAndRunsFromAThreadWith256KibOfStack() throws Exception {
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xss512k",
                "-cp", System.getProperty("java.class.path"), LoadOnSmallStack.class.getName());
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            boolean exited = p.waitFor(120, TimeUnit.SECONDS);
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(exited).as("child JVM finished; output:\n%s", output).isTrue();
            assertThat(p.exitValue()).as("exit status (139 = SIGSEGV); output:\n%s", output).isZero();
            assertThat(output).contains("loaded and ran on thread small-stack");
        } finally {
            p.destroyForcibly();
        }
    }

    /** The child JVM: loads the synthetic policy on a thread of 256 KiB and runs it there. */
    static final class LoadOnSmallStack {
        private LoadOnSmallStack() {
        }

        public static void main(String[] args) throws InterruptedException {
            byte[] policy = new SyntheticModels.Policy(96, 96, 12, 1, 0).bytes();
            Thread t = new Thread(null, () -> {
                try (LoadedModel m = Backends.require("onnx").load(ModelSource.ofBytes("policy.onnx", policy),
                        ModelOptions.DEFAULT)) {
                    m.warmup(3);
                    System.out.println("loaded and ran on thread " + Thread.currentThread().getName());
                }
            }, "small-stack", 256 * 1024);
            t.start();
            t.join();
        }
    }
}
