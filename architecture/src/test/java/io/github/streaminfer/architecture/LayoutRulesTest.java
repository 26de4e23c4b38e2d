package io.github.streaminfer.architecture;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The layout rules catch what they are meant to catch: each fails on a fixture that breaks it, passes on one that does not. */
class LayoutRulesTest {
    private static final String FIXTURE = "io.github.streaminfer.architecture.fixture";

    private static JavaClasses classes(String subpackage) {
        return new ClassFileImporter().importPackages(FIXTURE + "." + subpackage);
    }

    @Test
    void cycleRuleFailsOnTwoPackagesThatImportEachOther() {
        assertThat(LayoutRules.noPackageCycles(FIXTURE + ".cycle").evaluate(classes("cycle")).hasViolation()).isTrue();
    }

    @Test
    void cycleRulePassesOnPackagesThatDependOneWay() {
        assertThat(LayoutRules.noPackageCycles(FIXTURE + ".layered").evaluate(classes("layered")).hasViolation())
                .isFalse();
    }

    @Test
    void importRuleFailsOnAClassThatUsesABackendSubpackage() {
        assertThat(LayoutRules.mustNotImport("no backend", FIXTURE + ".layered.backend.*..")
                .evaluate(classes("leaky")).hasViolation()).isTrue();
    }

    @Test
    void importRulePassesOnClassesThatUseNoBackend() {
        assertThat(LayoutRules.mustNotImport("no backend", FIXTURE + ".layered.backend.*..")
                .evaluate(classes("layered.high")).hasViolation()).isFalse();
    }

    @Test
    void protocolRuleFailsOnAProtocolThatImportsAnother() {
        assertThat(LayoutRules.protocolsStayApart(FIXTURE + ".protocols", "vla", "detection")
                .evaluate(classes("protocols.detection")).hasViolation()).isTrue();
    }

    @Test
    void protocolRulePassesOnAProtocolThatImportsNoOther() {
        assertThat(LayoutRules.protocolsStayApart(FIXTURE + ".protocols", "vla", "detection")
                .evaluate(classes("protocols.vla")).hasViolation()).isFalse();
    }

    @Test
    void plumbingRuleFailsOnSharedCodeThatImportsAProtocol() {
        assertThat(LayoutRules.packageMustNotImport("no protocol", FIXTURE + ".protocols.internal.http..",
                FIXTURE + ".protocols.vla..").evaluate(classes("protocols.internal")).hasViolation()).isTrue();
    }

    @Test
    void cycleBelowRuleFailsOnSubpackagesThatImportEachOther() {
        assertThat(LayoutRules.noPackageCyclesBelow(FIXTURE).evaluate(classes("cycle")).hasViolation()).isTrue();
    }
}
