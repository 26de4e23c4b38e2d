package io.github.streaminfer.architecture;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * No runtime module depends on testkit outside test scope. Read from the POMs and module descriptors rather than an
 * enforcer rule in every runtime module: one test, beside the other layout rules, covers every module of the reactor
 * (a new one included), follows paths through other modules, and also reads {@code module-info.java}, which Maven's
 * dependency rules do not see.
 */
class TestkitScopeTest {
    /**
     * Not runtime modules: testkit itself, the benchmarks (never installed or deployed; they measure against the
     * scripted backend), and this test-only module.
     */
    static final Set<String> NOT_RUNTIME = Set.of(TestkitScope.TESTKIT, "streaminfer-jmh", "streaminfer-architecture");

    private static final TestkitScope CHECK = new TestkitScope(NOT_RUNTIME);

    @Test
    void noRuntimeModuleOfThisReactorReachesTestkitOutsideTestScope() throws Exception {
        Path root = Path.of(System.getProperty("user.dir")).toAbsolutePath().getParent();
        assertThat(Files.readString(root.resolve("pom.xml"))).contains("<artifactId>streaminfer-parent</artifactId>");
        assertThat(CHECK.violations(root)).isEmpty();
    }

    @Test
    void aCompileScopeDependencyOnTestkitIsReported(@TempDir Path root) throws Exception {
        reactor(root, "app", dep(TestkitScope.TESTKIT, null));
        assertThat(CHECK.violations(root)).singleElement().asString()
                .contains("app reaches streaminfer-testkit outside test scope");
    }

    @Test
    void aPathThroughAnotherModuleIsReported(@TempDir Path root) throws Exception {
        reactor(root, "app", dep("lib", "runtime"), "lib", dep(TestkitScope.TESTKIT, "compile"));
        assertThat(CHECK.violations(root)).anySatisfy(v -> assertThat(v).contains("app -> lib -> streaminfer-testkit"));
    }

    @Test
    void aTestScopeDependencyOnTestkitIsAllowed(@TempDir Path root) throws Exception {
        reactor(root, "app", dep(TestkitScope.TESTKIT, "test"));
        assertThat(CHECK.violations(root)).isEmpty();
    }

    @Test
    void aModuleDescriptorRequiringTestkitIsReported(@TempDir Path root) throws Exception {
        reactor(root, "app", "");
        Path descriptor = root.resolve("app/src/main/java/module-info.java");
        Files.createDirectories(descriptor.getParent());
        Files.writeString(descriptor, "module app {\n    // requires io.github.streaminfer.core;\n"
                + "    requires io.github.streaminfer.testkit;\n}\n");
        assertThat(CHECK.violations(root)).singleElement().asString().contains("requires io.github.streaminfer.testkit");
    }

    @Test
    void aTestkitThatProvidesAServiceIsReported(@TempDir Path root) throws Exception {
        reactor(root, "app", "");
        Path descriptor = root.resolve("testkit/src/main/java/module-info.java");
        Files.createDirectories(descriptor.getParent());
        Files.writeString(descriptor, "module io.github.streaminfer.testkit {\n"
                + "    provides io.github.streaminfer.backend.InferenceBackend with x.Scripted;\n}\n");
        assertThat(CHECK.violations(root)).singleElement().asString().contains("provides a service");
    }

    /** Writes a reactor of testkit plus the given modules: name, dependencies XML, name, dependencies XML, ... */
    private static void reactor(Path root, String... modulesAndDeps) throws Exception {
        StringBuilder modules = new StringBuilder("<module>testkit</module>");
        pom(root.resolve("testkit"), TestkitScope.TESTKIT, "");
        for (int i = 0; i < modulesAndDeps.length; i += 2) {
            modules.append("<module>").append(modulesAndDeps[i]).append("</module>");
            pom(root.resolve(modulesAndDeps[i]), modulesAndDeps[i], modulesAndDeps[i + 1]);
        }
        Files.writeString(root.resolve("pom.xml"), "<project><artifactId>streaminfer-parent</artifactId>"
                + "<packaging>pom</packaging><modules>" + modules + "</modules></project>");
    }

    private static void pom(Path dir, String artifactId, String deps) throws Exception {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("pom.xml"), "<project><artifactId>" + artifactId + "</artifactId><dependencies>"
                + deps + "</dependencies></project>");
    }

    private static String dep(String artifactId, String scope) {
        return "<dependency><groupId>" + TestkitScope.GROUP + "</groupId><artifactId>" + artifactId + "</artifactId>"
                + (scope == null ? "" : "<scope>" + scope + "</scope>") + "</dependency>";
    }
}
