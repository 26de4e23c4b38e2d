package io.github.streaminfer.backend.openvino;

import com.sun.jna.Function;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The stand-in {@code libopenvino_c} (the C sources in src/test/c), compiled with gcc once per test JVM, and its
 * test-only functions: allocation counts by kind, recorded arguments, injected failures.
 *
 * <p><b>Note:</b> the stand-in's records are process-wide; tests that read them run one at a time (JUnit's default).
 */
final class FakeOpenVino {
    static final String VERSIONED_NAME = "libopenvino_c.so.2540";
    private static Path standIn;
    private static Path missingSymbol;
    private static NativeLibrary hooks;

    private FakeOpenVino() {
    }

    /** {@return the directory holding the stand-in as {@value #VERSIONED_NAME}, as the pip wheel names it} */
    static synchronized Path dir() {
        if (standIn == null) {
            standIn = compile("stand-in", VERSIONED_NAME);
            hooks = NativeLibrary.getInstance(standIn.resolve(VERSIONED_NAME).toAbsolutePath().toString());
        }
        return standIn;
    }

    /** {@return a directory whose libopenvino_c.so lacks ov_infer_request_infer} */
    static synchronized Path missingSymbolDir() {
        if (missingSymbol == null) {
            missingSymbol = compile("missing-symbol", "libopenvino_c.so", "-DFAKE_OMIT_INFER");
        }
        return missingSymbol;
    }

    private static Path compile(String variant, String fileName, String... defines) {
        Path src = Path.of(System.getProperty("streaminfer.openvino.fake.src", "src/test/c"));
        Path out = Path.of(System.getProperty("streaminfer.openvino.fake.out", "target/fake-openvino")).resolve(variant);
        List<String> cmd = new ArrayList<>(List.of("gcc", "-shared", "-fPIC", "-O1", "-Wall", "-Wextra", "-Werror",
                "-pthread", "-fvisibility=hidden"));
        cmd.addAll(List.of(defines));
        cmd.addAll(List.of("-o", out.resolve(fileName).toString()));
        try {
            try (var sources = Files.list(src)) {
                sources.filter(f -> f.toString().endsWith(".c")).sorted().forEach(f -> cmd.add(f.toString()));
            }
            Files.createDirectories(out);
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException("compiling the stand-in libopenvino_c failed: " + cmd + "\n" + log);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot run gcc to compile the stand-in libopenvino_c (install gcc, "
                    + "e.g. apt-get install gcc; .ci/run does): " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        return out;
    }

    private static Function fn(String name) {
        dir();
        return hooks.getFunction(name);
    }

    /** Forgets every record and allocation count. */
    static void reset() {
        fn("fake_reset").invokeVoid(new Object[0]);
    }

    /** {@return live objects of one kind: core, model, compiled_model, port, infer_request, tensor, string, …} */
    static long live(String kind) {
        return fn("fake_live").invokeLong(new Object[] {kind});
    }

    /** {@return live objects of every kind} */
    static long liveTotal() {
        return fn("fake_live_total").invokeLong(new Object[0]);
    }

    /** {@return objects of one kind handed out since the last reset} */
    static long allocated(String kind) {
        return fn("fake_allocated").invokeLong(new Object[] {kind});
    }

    /** {@return frees of pointers that were not live: double frees or frees with the wrong function} */
    static long badFrees() {
        return fn("fake_bad_frees").invokeLong(new Object[0]);
    }

    /** {@return completed inferences since the last reset} */
    static long inferCount() {
        return fn("fake_infer_count").invokeLong(new Object[0]);
    }

    static String lastDevice() {
        return fn("fake_last_device").invokeString(new Object[0], false);
    }

    static String lastProperties() {
        return fn("fake_last_properties").invokeString(new Object[0], false);
    }

    static String lastModelPath() {
        return fn("fake_last_model_path").invokeString(new Object[0], false);
    }

    static String lastBinPath() {
        return fn("fake_last_bin_path").invokeString(new Object[0], false);
    }

    /** {@return the address the last inference read input i from} */
    static long lastInputData(int i) {
        return fn("fake_last_input_data").invokeLong(new Object[] {i});
    }

    /** {@return the address the last inference wrote output i to} */
    static long lastOutputData(int i) {
        return fn("fake_last_output_data").invokeLong(new Object[] {i});
    }

    /** Makes the next call of a function fail with a status and an error text. */
    static void failNext(String function, int status, String message) {
        fn("fake_fail").invokeVoid(new Object[] {function, status, message});
    }

    /** {@return the native address of a direct buffer} */
    static long address(java.nio.ByteBuffer buffer) {
        return Pointer.nativeValue(com.sun.jna.Native.getDirectBufferPointer(buffer));
    }

    /**
     * Writes a model in the stand-in's text format.
     *
     * @param file  the model file
     * @param lines "input NAME TYPE DIMS…" and "output NAME TYPE DIMS…" lines
     * @return the file
     */
    static Path writeModel(Path file, String... lines) throws IOException {
        Files.writeString(file, "fake-openvino-model\n" + String.join("\n", lines) + "\n");
        return file;
    }

    /** The model the stand-in computes: x f32 [N, 4] → y = 2x + 1, cls = argmax over the last dimension. */
    static final String[] DYNAMIC_MODEL = {"input x f32 -1 4", "output y f32 -1 4", "output cls i64 -1"};
    /** The same computation with a fixed batch of 2. */
    static final String[] STATIC_MODEL = {"input x f32 2 4", "output y f32 2 4", "output cls i64 2"};
}
