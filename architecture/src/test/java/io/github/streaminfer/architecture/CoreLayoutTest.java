package io.github.streaminfer.architecture;

import com.tngtech.archunit.core.importer.Location;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.junit.LocationProvider;
import com.tngtech.archunit.lang.ArchRule;
import io.github.streaminfer.session.StreamingInferenceSession;

import java.util.Set;

/**
 * Core reads as layers: its packages form no cycle, and it knows nothing of the modules built on it. Only core's own
 * classes are imported (from its jar or classes folder), so a backend's {@code io.github.streaminfer.backend.onnx}
 * is never mistaken for core's {@code backend} package.
 */
@AnalyzeClasses(locations = CoreLayoutTest.CoreClasses.class)
class CoreLayoutTest {

    @ArchTest
    static final ArchRule coreHasNoPackageCycle = LayoutRules.noPackageCycles("io.github.streaminfer");

    @ArchTest
    static final ArchRule coreImportsNoBackendMediaOrTransport = LayoutRules.mustNotImport(
            "core imports no backend, media or transport package",
            "io.github.streaminfer.backend.*..", "io.github.streaminfer.media..", "io.github.streaminfer.transport..");

    @ArchTest
    static final ArchRule coreImportsNoOtherModule = LayoutRules.mustNotImport(
            "core imports neither the server, the synthetic models, the samples nor testkit",
            "io.github.streaminfer.server..", "io.github.streaminfer.synthetic..", "io.github.streaminfer.samples..",
            "io.github.streaminfer.testkit..");

    /** Core's classes, and nothing else on the class path. */
    static final class CoreClasses implements LocationProvider {
        @Override
        public Set<Location> get(Class<?> testClass) {
            return Set.of(LayoutRules.locationOf(StreamingInferenceSession.class));
        }
    }
}
