package io.github.streaminfer.backend.openvino;

import io.github.streaminfer.testkit.ModuleLayers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Resolves the backend as a named module beside JNA's automatic module {@code com.sun.jna}, finds it through
 * {@code provides}, and loads and runs a model on the stand-in there, which needs the binding's package opened to
 * JNA (structures passed by value, the variadic interface).
 */
class OpenVinoModuleTest {
    @TempDir
    Path dir;

    @Test
    void moduleProvidesTheBackendAndRunsAModelOnTheModulePath() throws Exception {
        List<String> deps = new ArrayList<>(ModuleLayers.coreDependencies());
        deps.add(".*/jna-\\d[^/]*\\.jar");
        ModuleLayer layer = ModuleLayers.resolve(Set.of("io.github.streaminfer.backend.openvino"),
                List.of("core", "backend-openvino"), deps);
        Module module = layer.findModule("io.github.streaminfer.backend.openvino").orElseThrow();
        assertThat(module.getDescriptor().requires()).extracting(r -> r.name()).contains("com.sun.jna");
        assertThat(module.getDescriptor().exports()).extracting(e -> e.source())
                .containsExactly("io.github.streaminfer.backend.openvino");

        ClassLoader loader = layer.findLoader("io.github.streaminfer.backend.openvino");
        Class<?> spi = loader.loadClass("io.github.streaminfer.backend.InferenceBackend");
        List<String> ids = new ArrayList<>();
        for (Object b : ServiceLoader.load(layer, spi)) {
            ids.add((String) spi.getMethod("id").invoke(b));
        }
        assertThat(ids).contains("openvino");

        Object backend = loader.loadClass(OpenVinoBackend.class.getName()).getConstructor(Path.class)
                .newInstance(FakeOpenVino.dir());
        Class<?> sourceClass = loader.loadClass("io.github.streaminfer.backend.ModelSource");
        Class<?> optionsClass = loader.loadClass("io.github.streaminfer.backend.ModelOptions");
        Object source = sourceClass.getMethod("of", Path.class).invoke(null, model());
        Object model = spi.getMethod("load", sourceClass, optionsClass).invoke(backend, source,
                optionsClass.getField("DEFAULT").get(null));
        Class<?> loaded = loader.loadClass("io.github.streaminfer.backend.LoadedModel");
        long before = FakeOpenVino.inferCount();
        Method warmup = loaded.getMethod("warmup", int.class);
        warmup.invoke(model, 2);
        loaded.getMethod("close").invoke(model);
        assertThat(FakeOpenVino.inferCount() - before).isEqualTo(2);
    }

    private Path model() throws IOException {
        return FakeOpenVino.writeModel(dir.resolve("m.onnx"), FakeOpenVino.DYNAMIC_MODEL);
    }
}
