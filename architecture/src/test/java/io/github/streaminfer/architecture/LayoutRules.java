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
     * {@return a rule: no two packages anywhere below {@code root} (each package its own slice, subpackages apart)
     * form a cycle; classes directly in {@code root} are not part of it}
     *
     * @param root the root package, e.g. {@code io.github.streaminfer.transport}
     */
    static ArchRule noPackageCyclesBelow(String root) {
        return slices().matching(root + ".(**)").namingSlices("package $1").should().beFreeOfCycles()
                .as("the packages below " + root + " depend on each other without a cycle");
    }

    /**
     * {@return a rule: the classes of each protocol, in its public package {@code root.p} and its internal package
     * {@code root.internal.p}, depend on no class of another protocol}
     *
     * @param root      the transport's root package
     * @param protocols the protocols' package names, e.g. {@code vla}
     */
    static ArchRule protocolsStayApart(String root, String... protocols) {
        ArchRule all = null;
        for (String p : protocols) {
            String[] others = java.util.Arrays.stream(protocols).filter(q -> !q.equals(p))
                    .flatMap(q -> java.util.stream.Stream.of(root + "." + q + "..", root + ".internal." + q + ".."))
                    .toArray(String[]::new);
            ArchRule rule = noClasses().that().resideInAnyPackage(root + "." + p + "..", root + ".internal." + p + "..")
                    .should().dependOnClassesThat().resideInAnyPackage(others).allowEmptyShould(true);
            all = all == null ? rule : com.tngtech.archunit.lang.CompositeArchRule.of(all).and(rule);
        }
        return java.util.Objects.requireNonNull(all, "protocols").as("no protocol of " + root
                + " imports another protocol's package, public or internal");
    }

    /**
     * {@return a rule: the classes in {@code packageId} depend on no class in any of {@code forbidden}}
     *
     * @param what      what the rule says, for its message
     * @param packageId the ArchUnit package identifier of the classes checked, e.g. {@code a.b.internal.http..}
     * @param forbidden ArchUnit package identifiers
     */
    static ArchRule packageMustNotImport(String what, String packageId, String... forbidden) {
        return noClasses().that().resideInAPackage(packageId).should().dependOnClassesThat()
                .resideInAnyPackage(forbidden).as(what);
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
