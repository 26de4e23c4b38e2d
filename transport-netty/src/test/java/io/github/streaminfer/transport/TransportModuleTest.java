package io.github.streaminfer.transport;

import io.github.streaminfer.testkit.ModuleLayers;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Resolves the transport as a named module with its dependencies (as a user on the module path gets it): the
 * descriptor's {@code requires} are all satisfiable and its API packages are exported, the internals are not.
 */
class TransportModuleTest {

    @Test
    void moduleResolvesAndExportsOnlyTheApi() throws Exception {
        List<String> deps = new ArrayList<>(ModuleLayers.coreDependencies());
        deps.addAll(List.of(".*/netty-[^/]*\\.jar", ".*/jackson-[^/]*\\.jar"));
        ModuleLayer layer = ModuleLayers.resolve(Set.of("io.github.streaminfer.transport.netty"),
                List.of("core", "transport-netty"), deps);
        Module m = layer.findModule("io.github.streaminfer.transport.netty").orElseThrow();
        assertThat(m.getDescriptor().exports()).extracting(e -> e.source())
                .containsExactlyInAnyOrder("io.github.streaminfer.transport", "io.github.streaminfer.transport.vla",
                        "io.github.streaminfer.transport.detection", "io.github.streaminfer.transport.signal",
                        "io.github.streaminfer.transport.openpi");
        assertThat(m.getPackages()).contains("io.github.streaminfer.transport.internal.http",
                "io.github.streaminfer.transport.internal.vla", "io.github.streaminfer.transport.internal.detection",
                "io.github.streaminfer.transport.internal.signal", "io.github.streaminfer.transport.internal.openpi",
                "io.github.streaminfer.transport.internal.pages");
        Class<?> server = layer.findLoader("io.github.streaminfer.transport.netty")
                .loadClass(StreamingServer.class.getName());
        assertThat(server.getModule().getName()).isEqualTo("io.github.streaminfer.transport.netty");
        assertThat(server.getMethod("builder").invoke(null)).isNotNull();
    }
}
