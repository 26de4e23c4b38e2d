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
 * .backend}) but no backend implementation, and no test support. Its protocols stay apart: none imports another's
 * package, public or internal; the plumbing they share ({@code internal.http}) imports none of them; and the
 * packages below {@code transport} form no cycle. The {@code transport} package itself is left out of the cycle
 * rule: it is the facade whose {@code StreamingServer.Builder} takes every protocol's endpoint, while each protocol
 * uses its {@code SessionFactory}.
 */
@AnalyzeClasses(locations = TransportLayoutTest.TransportClasses.class)
class TransportLayoutTest {
    private static final String TRANSPORT = "io.github.streaminfer.transport";
    private static final String[] PROTOCOLS = {"vla", "detection", "signal", "openpi"};

    @ArchTest
    static final ArchRule transportImportsNoBackend = LayoutRules.mustNotImport(
            "the transport imports no backend implementation", "io.github.streaminfer.backend.*..");

    @ArchTest
    static final ArchRule transportImportsNoTestkit = LayoutRules.mustNotImport(
            "the transport imports no test support", "io.github.streaminfer.testkit..");

    @ArchTest
    static final ArchRule protocolsImportNoOtherProtocol = LayoutRules.protocolsStayApart(TRANSPORT, PROTOCOLS);

    @ArchTest
    static final ArchRule sharedPlumbingImportsNoProtocol = LayoutRules.packageMustNotImport(
            "the shared plumbing (internal.http) imports no protocol package", TRANSPORT + ".internal.http..",
            protocolPackages());

    @ArchTest
    static final ArchRule transportHasNoPackageCycle = LayoutRules.noPackageCyclesBelow(TRANSPORT);

    private static String[] protocolPackages() {
        return java.util.Arrays.stream(PROTOCOLS)
                .flatMap(p -> java.util.stream.Stream.of(TRANSPORT + "." + p + "..",
                        TRANSPORT + ".internal." + p + ".."))
                .toArray(String[]::new);
    }

    /** transport-netty's classes, and nothing else on the class path. */
    static final class TransportClasses implements LocationProvider {
        @Override
        public Set<Location> get(Class<?> testClass) {
            return Set.of(LayoutRules.locationOf(StreamingServer.class));
        }
    }
}
