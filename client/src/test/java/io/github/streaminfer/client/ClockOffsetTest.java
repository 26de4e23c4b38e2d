package io.github.streaminfer.client;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The clock offset estimate trusts the exchange with the shortest round trip. */
class ClockOffsetTest {

    @Test
    void theShortestRoundTripDecides() {
        ClockOffset c = new ClockOffset();
        assertThat(c.offsetMillis()).isNaN();
        // server 500 ms ahead; a slow exchange with asymmetric delay, then a fast symmetric one
        c.add(1000, 1000 + 500 + 40, 1050); // 40 ms out, 10 ms back: offset estimate 515
        assertThat(c.offsetMillis()).isCloseTo(515, within(1e-9));
        c.add(2000, 2000 + 500 + 1, 2002); // 1 ms each way
        assertThat(c.offsetMillis()).isCloseTo(500, within(1e-9));
        assertThat(c.uncertaintyMillis()).isCloseTo(1, within(1e-9));
        c.add(3000, 3000 + 500 + 30, 3035);
        assertThat(c.offsetMillis()).as("a slower exchange does not replace it").isCloseTo(500, within(1e-9));
    }

    @Test
    void aReplyBeforeItsRequestIsIgnored() {
        ClockOffset c = new ClockOffset();
        c.add(2000, 2500, 1999);
        assertThat(c.offsetMillis()).isNaN();
    }
}
