package io.github.streaminfer.testkit;

import io.github.streaminfer.backend.InferenceBackend;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.lang.module.Configuration;
import java.lang.module.ModuleFinder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Resolves core and testkit as named modules (as a user on the module path gets them) and checks that the
 * backend SPI's {@code uses}/{@code provides} work through {@link ServiceLoader}.
 */
class ModuleDescriptorTest {

    @Test
    void modulesResolveAndProvideTheScriptedBackend() throws Exception {
        List<Path> paths = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path p = Path.of(entry);
            String s = p.toString();
            boolean ours = s.endsWith("core" + File.separator + "target" + File.separator + "classes")
                    || s.endsWith("testkit" + File.separator + "target" + File.separator + "classes")
                    || s.matches(".*streaminfer-core-[^/]*\\.jar");
            boolean dependency = s.contains("jctools-core") || s.contains("HdrHistogram") || s.contains("slf4j-api")
                    || s.contains("junit-jupiter-api") || s.contains("junit-platform-commons")
                    || s.contains("opentest4j") || s.contains("apiguardian") || s.contains("assertj-core")
                    || s.contains("byte-buddy") || s.contains("protobuf-java");
            if ((ours || dependency) && Files.exists(p)) {
                paths.add(p);
            }
        }
        ModuleFinder finder = ModuleFinder.of(paths.toArray(Path[]::new));
        ModuleLayer boot = ModuleLayer.boot();
        Configuration cf = boot.configuration().resolveAndBind(finder, ModuleFinder.of(),
                Set.of("io.github.streaminfer.core", "io.github.streaminfer.testkit"));
        ModuleLayer layer = boot.defineModulesWithOneLoader(cf, ClassLoader.getPlatformClassLoader());

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
        assertThat(ids).contains("scripted");
    }
}
