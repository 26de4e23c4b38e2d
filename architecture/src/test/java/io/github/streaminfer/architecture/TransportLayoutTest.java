package io.github.streaminfer.architecture;

import com.tngtech.archunit.core.importer.Location;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.junit.LocationProvider;
import com.tngtech.archunit.lang.ArchRule;
import io.github.streaminfer.transport.StreamingServer;

import java.util.Set;

/**
 * A transport serves whatever sessions it is given: it may use core's backend SPI ({@code io.github.streaminfer
 * .backend}) but no backend implementation, and no test support.
 */
@AnalyzeClasses(locations = TransportLayoutTest.TransportClasses.class)
class TransportLayoutTest {

    @ArchTest
    static final ArchRule transportImportsNoBackend = LayoutRules.mustNotImport(
            "the transport imports no backend implementation", "io.github.streaminfer.backend.*..");

    @ArchTest
    static final ArchRule transportImportsNoTestkit = LayoutRules.mustNotImport(
            "the transport imports no test support", "io.github.streaminfer.testkit..");

    /** transport-netty's classes, and nothing else on the class path. */
    static final class TransportClasses implements LocationProvider {
        @Override
        public Set<Location> get(Class<?> testClass) {
            return Set.of(LayoutRules.locationOf(StreamingServer.class));
        }
    }
}
