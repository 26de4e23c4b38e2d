package io.github.streaminfer.architecture;

import com.tngtech.archunit.core.importer.Location;
import com.tngtech.archunit.lang.ArchRule;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.JarFile;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * The layout rules, written against a root package so that the tests can apply them both to the real modules and to
 * small fixtures that break them on purpose.
 */
final class LayoutRules {
    private LayoutRules() {
    }

    /**
     * {@return a rule: the packages directly under {@code root} (each with its subpackages) form no cycle}
     *
     * @param root the module's root package, e.g. {@code io.github.streaminfer}
     */
    static ArchRule noPackageCycles(String root) {
        return slices().matching(root + ".(*)..").namingSlices("package $1").should().beFreeOfCycles()
                .as("the packages of " + root + " depend on each other without a cycle");
    }

    /**
     * {@return a rule: no class imported depends on a class in any of {@code packages}}
     *
     * @param what     what the rule says, for its message
     * @param packages ArchUnit package identifiers, e.g. {@code io.github.streaminfer.media..}
     */
    static ArchRule mustNotImport(String what, String... packages) {
        return noClasses().should().dependOnClassesThat().resideInAnyPackage(packages).as(what);
    }

    /**
     * {@return where {@code type}'s class files come from: its module's jar or classes folder}
     *
     * @param type any class of the module
     */
    static Location locationOf(Class<?> type) {
        try {
            Path path = Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
            return Files.isDirectory(path) ? Location.of(path) : Location.of(new JarFile(path.toFile()));
        } catch (URISyntaxException | IOException e) {
            throw new IllegalStateException("cannot locate " + type, e);
        }
    }
}
