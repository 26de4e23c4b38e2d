package io.github.streaminfer.testkit;

import io.github.streaminfer.backend.InferenceBackend;
import io.github.streaminfer.backend.LoadedModel;
import io.github.streaminfer.backend.ModelOptions;
import io.github.streaminfer.backend.ModelSource;
import io.github.streaminfer.exceptions.ModelLoadException;
import io.github.streaminfer.tensor.DType;

import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * The {@code scripted} backend: always available, pure Java. Through the SPI it loads a small text description:
 *
 * <pre>
 * # comment
 * input  x float32 1,4
 * output y float32 1,4
 * script affine 2.0 1.0      (or: noop, weighted-sum)
 * latency-us 100             (optional)
 * </pre>
 *
 * Programmatic users build a {@link ScriptedModel} directly.
 *
 * <p>Tests create it with {@code new ScriptedBackend()}. It is deliberately not registered with
 * {@link java.util.ServiceLoader} ({@code provides} or {@code META-INF/services}): a test double on the class path
 * must never answer a production {@link io.github.streaminfer.backend.Backends} lookup.
 *
 * <p><b>Note:</b> stateless and thread-safe; each loaded model has its own threading contract.
 *
 * @since 0.1.0
 */
public final class ScriptedBackend implements InferenceBackend {
    /** The backend id. */
    public static final String ID = "scripted";

    /** Creates the backend; it holds no state. */
    public ScriptedBackend() {
    }

    @Override
    public String id() {
        return ID;
    }

    @Override
    public String description() {
        return "scripted pure-Java test backend";
    }

    @Override
    public boolean isAvailable() {
        return true;
    }

    @Override
    public Throwable unavailabilityCause() {
        return null;
    }

    @Override
    public LoadedModel load(ModelSource source, ModelOptions options) {
        String text = new String(source.readAllBytes(), StandardCharsets.UTF_8);
        ScriptedModel.Builder b = ScriptedModel.builder().name(source.name());
        int lineNo = 0;
        for (String raw : text.split("\n", -1)) {
            lineNo++;
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] f = line.split("\\s+");
            try {
                switch (f[0]) {
                    case "input" -> b.input(f[1], dtype(f[2]), shape(f[3]));
                    case "output" -> b.output(f[1], dtype(f[2]), shape(f[3]));
                    case "script" -> b.script(switch (f[1]) {
                        case "noop" -> ScriptedModel.Script.noop();
                        case "weighted-sum" -> ScriptedModel.Script.weightedSum();
                        case "affine" -> ScriptedModel.Script.affine(Float.parseFloat(f[2]), Float.parseFloat(f[3]));
                        default -> throw new IllegalArgumentException("unknown script '" + f[1]
                                + "'; allowed: noop, weighted-sum, affine SCALE OFFSET");
                    });
                    case "latency-us" -> b.latencyNanos(Long.parseLong(f[1]) * 1000);
                    default -> throw new IllegalArgumentException("unknown keyword '" + f[0]
                            + "'; allowed: input, output, script, latency-us");
                }
            } catch (RuntimeException e) {
                throw new ModelLoadException("scripted model " + source.name() + ", line " + lineNo + " '" + line
                        + "': " + (e instanceof ArrayIndexOutOfBoundsException ? "missing field" : e.getMessage()), e);
            }
        }
        try {
            return b.build();
        } catch (IllegalArgumentException e) {
            throw new ModelLoadException("scripted model " + source.name() + ": " + e.getMessage(), e);
        }
    }

    private static DType dtype(String s) {
        return DType.valueOf(s.toUpperCase(Locale.ROOT));
    }

    private static long[] shape(String s) {
        String[] parts = s.split(",");
        long[] shape = new long[parts.length];
        for (int i = 0; i < parts.length; i++) {
            shape[i] = Long.parseLong(parts[i].strip());
        }
        return shape;
    }
}
