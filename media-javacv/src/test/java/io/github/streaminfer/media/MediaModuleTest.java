package io.github.streaminfer.media;

import io.github.streaminfer.image.ImageDecoder;
import io.github.streaminfer.testkit.ModuleLayers;
import org.junit.jupiter.api.Test;

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
        List<String> deps = new ArrayList<>(ModuleLayers.coreDependencies());
        deps.add(".*/org/bytedeco/(javacpp|opencv|openblas)/.*\\.jar");
        ModuleLayer layer = ModuleLayers.resolve(Set.of("io.github.streaminfer.core", "io.github.streaminfer.media.javacv"),
                List.of("core", "media-javacv"), deps);

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
