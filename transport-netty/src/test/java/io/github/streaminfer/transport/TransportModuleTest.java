package io.github.streaminfer.transport;

import org.junit.jupiter.api.Test;

import java.io.File;
import java.lang.module.Configuration;
import java.lang.module.ModuleFinder;
import java.nio.file.Files;
import java.nio.file.Path;
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
        List<Path> paths = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path p = Path.of(entry);
            String s = p.toString();
            boolean ours = s.endsWith("transport-netty" + File.separator + "target" + File.separator + "classes")
                    || s.endsWith("core" + File.separator + "target" + File.separator + "classes");
            boolean dependency = s.contains("netty-") || s.contains("jackson-") || s.contains("msgpack-core")
                    || s.contains("jctools-core") || s.contains("HdrHistogram") || s.contains("slf4j-api");
            if ((ours || dependency) && Files.exists(p)) {
                paths.add(p);
            }
        }
        ModuleLayer boot = ModuleLayer.boot();
        Configuration cf = boot.configuration().resolve(ModuleFinder.of(paths.toArray(Path[]::new)), ModuleFinder.of(),
                Set.of("io.github.streaminfer.transport.netty"));
        ModuleLayer layer = boot.defineModulesWithOneLoader(cf, ClassLoader.getPlatformClassLoader());
        Module m = layer.findModule("io.github.streaminfer.transport.netty").orElseThrow();
        assertThat(m.getDescriptor().exports()).extracting(e -> e.source())
                .containsExactlyInAnyOrder("io.github.streaminfer.transport", "io.github.streaminfer.transport.server");
        assertThat(m.getPackages()).contains("io.github.streaminfer.transport.internal");
        Class<?> server = layer.findLoader("io.github.streaminfer.transport.netty")
                .loadClass(StreamingServer.class.getName());
        assertThat(server.getModule().getName()).isEqualTo("io.github.streaminfer.transport.netty");
        assertThat(server.getMethod("builder").invoke(null)).isNotNull();
    }
}
