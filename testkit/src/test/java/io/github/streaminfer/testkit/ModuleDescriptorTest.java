package io.github.streaminfer.testkit;

import io.github.streaminfer.backend.InferenceBackend;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Resolves core and testkit as named modules (as a user on the module path gets them) and checks that core declares
 * the backend SPI while testkit's scripted backend stays out of {@link ServiceLoader} lookups.
 */
class ModuleDescriptorTest {

    @Test
    void modulesResolveAndTheScriptedBackendIsNotProvided() throws Exception {
        List<String> deps = new ArrayList<>(ModuleLayers.coreDependencies());
        deps.addAll(List.of(".*/junit-jupiter-api[^/]*\\.jar", ".*/junit-platform-commons[^/]*\\.jar",
                ".*/opentest4j[^/]*\\.jar", ".*/apiguardian[^/]*\\.jar", ".*/assertj-core[^/]*\\.jar",
                ".*/byte-buddy[^/]*\\.jar"));
        ModuleLayer layer = ModuleLayers.resolve(Set.of("io.github.streaminfer.core", "io.github.streaminfer.testkit"),
                List.of("core", "testkit"), deps);

        Module core = layer.findModule("io.github.streaminfer.core").orElseThrow();
        assertThat(core.getDescriptor().exports()).extracting(e -> e.source())
                .contains("io.github.streaminfer.session", "io.github.streaminfer.backend",
                        "io.github.streaminfer.tensor", "io.github.streaminfer.task");
        assertThat(core.getDescriptor().uses()).contains("io.github.streaminfer.backend.InferenceBackend");

        Class<?> spi = layer.findLoader("io.github.streaminfer.core")
                .loadClass(InferenceBackend.class.getName());
        List<String> ids = new ArrayList<>();
        for (Object b : ServiceLoader.load(layer, spi)) {
            ids.add((String) spi.getMethod("id").invoke(b));
        }
        assertThat(ids).doesNotContain("scripted");
        Module testkit = layer.findModule("io.github.streaminfer.testkit").orElseThrow();
        assertThat(testkit.getDescriptor().provides()).isEmpty();
    }
}
