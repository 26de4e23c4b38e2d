package io.github.streaminfer.session;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** A failing frame's error is logged on one line and cut short, whatever text a client put into its message. */
class ErrorLogLineTest {

    @Test
    void lineBreaksInAnErrorMessageCannotStartANewLogLine() {
        String forged = "invalid key 'a\n2026-12-07 WARN admin logged in\r\u2028x'";
        String logged = LoggingErrorHandler.oneLine(forged, 500);
        assertThat(logged).doesNotContain("\n").doesNotContain("\r").doesNotContain("\u2028")
                .contains("\\u000a2026-12-07 WARN admin logged in\\u000d\\u2028x");
    }

    @Test
    void aHugeErrorMessageIsCutWithItsLength() {
        String huge = "x".repeat(1_000_000);
        assertThat(LoggingErrorHandler.oneLine(huge, LoggingErrorHandler.MAX_LOGGED_CHARS))
                .hasSize(500 + "...(1000000 chars)".length()).endsWith("...(1000000 chars)");
    }
}
