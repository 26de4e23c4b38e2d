package io.github.streaminfer.backend.openvino;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import io.github.streaminfer.backend.ModelOptions;
import io.github.streaminfer.backend.ModelSource;
import io.github.streaminfer.backend.openvino.capi.OpenVinoC;
import io.github.streaminfer.backend.openvino.capi.OvException;
import io.github.streaminfer.exceptions.ModelLoadException;
import io.github.streaminfer.tensor.DType;
import io.github.streaminfer.tensor.TensorSpec;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Reads, compiles and describes one model: {@code ov_core_create} → {@code ov_core_read_model} →
 * {@code ov_core_compile_model} → the compiled model's ports. The source model is freed once compiled; on any
 * failure everything created so far is freed before the {@link ModelLoadException} is thrown.
 */
final class OpenVinoLoader {
    private OpenVinoLoader() {
    }

    static OpenVinoModel load(OpenVinoRuntime rt, ModelSource source, OpenVinoOptions ov, ModelOptions options) {
        OpenVinoC c = rt.c();
        Path tempDir = null;
        Pointer core = null;
        Pointer model = null;
        Pointer compiled = null;
        String step = "preparing";
        try (Memory slot = new Memory(8)) {
            Path file = source.path().orElse(null);
            if (file != null) {
                if (!Files.isRegularFile(file)) {
                    throw new ModelLoadException("cannot load OpenVINO model " + source.name() + ": no such file");
                }
            } else {
                tempDir = Files.createTempDirectory("streaminfer-openvino");
                file = tempDir.resolve(fileName(source.name()));
                Files.write(file, source.readAllBytes());
            }
            step = "creating the OpenVINO core";
            c.check(c.coreCreate(slot), "ov_core_create");
            core = slot.getPointer(0);
            step = "reading the model";
            c.check(c.coreReadModel(core, file.toString(), weightsOf(file), slot), "ov_core_read_model");
            model = slot.getPointer(0);
            step = "compiling the model for " + ov.device();
            c.check(c.coreCompileModel(core, model, ov.device(), ov.keysAndValues(), slot), "ov_core_compile_model");
            compiled = slot.getPointer(0);
            c.modelFree(model);
            model = null;
            step = "describing the compiled model's inputs";
            Ports in = ports(rt, compiled, false, source);
            step = "describing the compiled model's outputs";
            Ports out = ports(rt, compiled, true, source);
            OpenVinoModel m = new OpenVinoModel(rt, core, compiled, source.name(), ov, in.specs, in.codes, out.specs,
                    out.codes);
            core = null;
            compiled = null;
            return m;
        } catch (OvException e) {
            throw new ModelLoadException("cannot load OpenVINO model " + source.name() + " on " + ov.device() + ": "
                    + step + " failed: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new ModelLoadException("cannot load OpenVINO model " + source.name() + ": cannot write it to a "
                    + "temporary file: " + e, new UncheckedIOException(e));
        } finally {
            if (compiled != null) {
                c.compiledModelFree(compiled);
            }
            if (model != null) {
                c.modelFree(model);
            }
            if (core != null) {
                c.coreFree(core);
            }
            deleteQuietly(tempDir);
        }
    }

    /** {@return the IR weights file beside an {@code .xml}, or null to let OpenVINO decide (ONNX and others)} */
    static String weightsOf(Path model) {
        String name = model.getFileName().toString();
        if (!name.toLowerCase(Locale.ROOT).endsWith(".xml")) {
            return null;
        }
        Path bin = model.resolveSibling(name.substring(0, name.length() - 4) + ".bin");
        return Files.isRegularFile(bin) ? bin.toString() : null;
    }

    /** {@return a safe file name for a model held in memory, keeping its extension so OpenVINO picks the reader} */
    static String fileName(String sourceName) {
        String base = sourceName.substring(Math.max(sourceName.lastIndexOf('/'), sourceName.lastIndexOf('\\')) + 1);
        String safe = base.replaceAll("[^A-Za-z0-9._-]", "_");
        return safe.isEmpty() || safe.startsWith(".") ? "model" + safe : safe;
    }

    private record Ports(List<TensorSpec> specs, int[] codes) {
    }

    private static Ports ports(OpenVinoRuntime rt, Pointer compiled, boolean outputs, ModelSource source) {
        OpenVinoC c = rt.c();
        String kind = outputs ? "output" : "input";
        try (Memory slot = new Memory(8); Memory type = new Memory(4); Memory pshape = new Memory(24)) {
            c.check(c.compiledModelPortCount(compiled, outputs, slot), "ov_compiled_model_" + kind + "s_size");
            int n = Math.toIntExact(slot.getLong(0));
            List<TensorSpec> specs = new ArrayList<>(n);
            int[] codes = new int[n];
            for (int i = 0; i < n; i++) {
                c.check(c.compiledModelPort(compiled, outputs, i, slot), "ov_compiled_model_" + kind + "_by_index");
                Pointer port = slot.getPointer(0);
                try {
                    String name = portName(c, port, slot, kind + i);
                    c.check(c.portGetElementType(port, type), "ov_port_get_element_type");
                    codes[i] = type.getInt(0);
                    DType dtype = rt.elementTypes().dtype(codes[i]);
                    if (dtype == null) {
                        throw new ModelLoadException("OpenVINO model " + source.name() + ": " + kind + " '" + name
                                + "' has element type " + rt.elementTypes().name(codes[i])
                                + "; supported: f32, f16, i64, i32, u8, boolean");
                    }
                    specs.add(TensorSpec.of(name, dtype, shape(c, port, pshape, source, kind, name)));
                } finally {
                    c.outputConstPortFree(port);
                }
            }
            return new Ports(List.copyOf(specs), codes);
        }
    }

    private static String portName(OpenVinoC c, Pointer port, Memory slot, String fallback) {
        try {
            c.check(c.portGetAnyName(port, slot), "ov_port_get_any_name");
        } catch (OvException e) { // a tensor without names: OpenVINO throws; the index names it
            return fallback;
        }
        Pointer name = slot.getPointer(0);
        try {
            return name == null ? fallback : name.getString(0);
        } finally {
            c.free(name);
        }
    }

    private static long[] shape(OpenVinoC c, Pointer port, Memory pshape, ModelSource source, String kind,
                                String name) {
        pshape.clear();
        c.check(c.portGetPartialShape(port, pshape), "ov_port_get_partial_shape");
        try {
            long rankMin = pshape.getLong(0);
            long rankMax = pshape.getLong(8);
            Pointer dims = pshape.getPointer(16);
            if (rankMin != rankMax || rankMax < 0 || (rankMax > 0 && dims == null)) {
                throw new ModelLoadException("OpenVINO model " + source.name() + ": " + kind + " '" + name
                        + "' has a dynamic rank; give the model a fixed rank (e.g. with OpenVINO's reshape)");
            }
            long[] shape = new long[(int) rankMax];
            for (int k = 0; k < shape.length; k++) {
                long min = dims.getLong(16L * k);
                long max = dims.getLong(16L * k + 8);
                shape[k] = min == max && min >= 0 ? min : TensorSpec.DYNAMIC;
            }
            return shape;
        } finally {
            c.partialShapeFree(pshape);
        }
    }

    private static void deleteQuietly(Path dir) {
        if (dir == null) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException ignored) {
            // a temporary file left behind is not worth failing the load for
        }
    }
}
