package io.github.streaminfer.media;

import io.github.streaminfer.image.ImageDecoder;
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
 * Resolves core, this module and the bytedeco jars as named modules (as a user on the module path gets them) and
 * checks that {@code provides ImageDecoder with OpenCvImageDecoder} is found by core's {@code uses}.
 */
class MediaModuleTest {

    @Test
    void openCvDecoderIsProvidedOnTheModulePath() throws Exception {
        List<Path> paths = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path p = Path.of(entry);
            String s = p.toString().replace(File.separatorChar, '/');
            boolean ours = s.endsWith("core/target/classes") || s.endsWith("media-javacv/target/classes")
                    || s.matches(".*streaminfer-core-[^/]*\\.jar");
            boolean dependency = s.contains("jctools-core") || s.contains("HdrHistogram") || s.contains("slf4j-api")
                    || s.matches(".*/org/bytedeco/(javacpp|opencv|openblas)/.*\\.jar");
            if ((ours || dependency) && Files.exists(p)) {
                paths.add(p);
            }
        }
        ModuleFinder finder = ModuleFinder.of(paths.toArray(Path[]::new));
        ModuleLayer boot = ModuleLayer.boot();
        Configuration cf = boot.configuration().resolveAndBind(finder, ModuleFinder.of(),
                Set.of("io.github.streaminfer.core", "io.github.streaminfer.media.javacv"));
        ModuleLayer layer = boot.defineModulesWithOneLoader(cf, ClassLoader.getPlatformClassLoader());

        Module media = layer.findModule("io.github.streaminfer.media.javacv").orElseThrow();
        assertThat(media.getDescriptor().exports()).extracting(e -> e.source())
                .containsExactly("io.github.streaminfer.media");
        assertThat(media.getDescriptor().provides()).extracting(p -> p.service())
                .containsExactly(ImageDecoder.class.getName());

        Class<?> spi = layer.findLoader("io.github.streaminfer.core").loadClass(ImageDecoder.class.getName());
        List<String> ids = new ArrayList<>();
        for (Object d : ServiceLoader.load(layer, spi)) {
            ids.add((String) spi.getMethod("id").invoke(d));
        }
        assertThat(ids).contains("opencv");
    }
}
