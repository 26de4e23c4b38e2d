package io.github.streaminfer.client;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** Reconnect delays grow from the initial one to the cap, jittered within [bound / 2, bound], and start over. */
class BackoffTest {

    @Test
    void delaysGrowToTheCapWithJitterAndStartOverAfterAReset() {
        Backoff b = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(5), 42);
        long[] bounds = {100, 200, 400, 800, 1600, 3200, 5000, 5000, 5000};
        for (long boundMs : bounds) {
            long d = b.nextDelayNanos();
            assertThat(d).isBetween(boundMs * 1_000_000 / 2, boundMs * 1_000_000);
        }
        b.reset();
        assertThat(b.nextDelayNanos()).isBetween(50_000_000L, 100_000_000L);
    }

    @Test
    void manyClientsDoNotRetryInLockstep() {
        long first = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(1), 1).nextDelayNanos();
        boolean differs = false;
        for (int seed = 2; seed < 10 && !differs; seed++) {
            differs = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(1), seed).nextDelayNanos() != first;
        }
        assertThat(differs).isTrue();
    }
}
