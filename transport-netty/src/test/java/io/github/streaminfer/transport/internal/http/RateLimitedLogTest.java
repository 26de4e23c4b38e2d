package io.github.streaminfer.transport.internal.http;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/** Repeated warnings are cut to a few per kind and interval, and the next one says how many were suppressed. */
class RateLimitedLogTest {

    @Test
    void atMostNWarningsOfAKindPassPerIntervalAndTheNextIntervalCountsTheRest() {
        AtomicLong now = new AtomicLong();
        RateLimitedLog log = new RateLimitedLog(3, 1_000, now::get);
        int passed = 0;
        for (int i = 0; i < 1000; i++) {
            if (log.admit("open-failed") >= 0) {
                passed++;
            }
        }
        assertThat(passed).isEqualTo(3);
        now.set(1_000);
        assertThat(log.admit("open-failed")).as("suppressed in the interval before").isEqualTo(997);
        assertThat(log.admit("open-failed")).isZero();
    }

    @Test
    void kindsAreCountedApart() {
        AtomicLong now = new AtomicLong();
        RateLimitedLog log = new RateLimitedLog(1, 1_000, now::get);
        assertThat(log.admit("a")).isZero();
        assertThat(log.admit("a")).isEqualTo(-1);
        assertThat(log.admit("b")).isZero();
    }

    @Test
    void manyKindsShareOneWindowBeyondTheCap() {
        AtomicLong now = new AtomicLong();
        RateLimitedLog log = new RateLimitedLog(1, 1_000, now::get);
        int passed = 0;
        for (int i = 0; i < 10_000; i++) {
            if (log.admit("kind-" + i) >= 0) {
                passed++;
            }
        }
        assertThat(passed).as("256 tracked kinds, then one shared window").isEqualTo(257);
    }

    @Test
    void invalidSettingsAreRefusedWithTheFieldName() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new RateLimitedLog(0, 1))
                .hasMessage("perInterval is 0; allowed: >= 1");
    }
}
