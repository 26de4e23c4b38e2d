package io.github.streaminfer.synthetic;

import io.github.streaminfer.testkit.ModuleLayers;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Resolves the synthetic-model module as a named module with only core and protobuf-java beside it (as a user on
 * the module path gets it): its {@code requires} are satisfiable without any test library, and it exports its one
 * package.
 */
class SyntheticModuleTest {

    @Test
    void resolvesWithCoreAndProtobufAloneAndExportsItsPackage() throws Exception {
        List<String> deps = new ArrayList<>(ModuleLayers.coreDependencies());
        deps.add(".*/protobuf-java[^/]*\\.jar");
        ModuleLayer layer = ModuleLayers.resolve(Set.of("io.github.streaminfer.synthetic"),
                List.of("core", "synthetic"), deps);
        Module m = layer.findModule("io.github.streaminfer.synthetic").orElseThrow();
        assertThat(m.getDescriptor().exports()).extracting(e -> e.source())
                .containsExactly("io.github.streaminfer.synthetic");
        assertThat(m.getDescriptor().requires()).extracting(r -> r.name())
                .doesNotContain("io.github.streaminfer.testkit", "org.junit.jupiter.api", "org.assertj.core");
        Class<?> models = layer.findLoader("io.github.streaminfer.synthetic")
                .loadClass(SyntheticModels.class.getName() + "$EmgClassifier");
        Object emg = models.getConstructor(boolean.class).newInstance(false);
        byte[] onnx = (byte[]) models.getMethod("bytes").invoke(emg);
        assertThat(onnx).as("an ONNX model written inside the module layer").isNotEmpty();
    }
}
