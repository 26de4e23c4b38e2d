package io.github.streaminfer.testkit;

import java.io.File;
import java.lang.module.Configuration;
import java.lang.module.ModuleFinder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Resolves StreamInfer modules as named modules, the way a user on the module path gets them, from the test's own
 * class path. Tests run on the class path, where {@code META-INF/services} hides a missing {@code provides} and a
 * missing {@code requires} goes unnoticed; a layer built here makes the module descriptors count.
 *
 * @since 0.1.0
 */
public final class ModuleLayers {
    private ModuleLayers() {
    }

    /**
     * @param roots        module names to resolve (with service binding)
     * @param projectDirs  this project's module folders to include, e.g. {@code "core"}, {@code "media-javacv"}:
     *                     their {@code target/classes} or their {@code streaminfer-<folder>-<version>.jar}
     * @param dependencies regular expressions matched against the other class-path entries (with '/' separators)
     * @return a layer over the platform class loader
     * @throws java.lang.module.FindException    if a {@code requires} cannot be satisfied
     * @throws java.lang.module.ResolutionException if the modules do not resolve
     */
    public static ModuleLayer resolve(Set<String> roots, List<String> projectDirs, List<String> dependencies) {
        List<Path> paths = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path p = Path.of(entry);
            String s = p.toString().replace(File.separatorChar, '/');
            boolean include = false;
            for (String dir : projectDirs) {
                include |= s.endsWith("/" + dir + "/target/classes")
                        || s.matches(".*/streaminfer-" + dir + "-\\d[^/]*\\.jar");
            }
            for (String regex : dependencies) {
                include |= s.matches(regex);
            }
            if (include && Files.exists(p)) {
                paths.add(p);
            }
        }
        ModuleLayer boot = ModuleLayer.boot();
        Configuration cf = boot.configuration().resolveAndBind(ModuleFinder.of(paths.toArray(Path[]::new)),
                ModuleFinder.of(), roots);
        return boot.defineModulesWithOneLoader(cf, ClassLoader.getPlatformClassLoader());
    }

    /** @return the dependencies of core: JCTools, slf4j-api */
    public static List<String> coreDependencies() {
        return List.of(".*/jctools-core[^/]*\\.jar", ".*/slf4j-api[^/]*\\.jar");
    }
}
