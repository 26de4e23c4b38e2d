package io.github.streaminfer.transport.internal.vla;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** {@link JsonScanner#rawString}'s eight-bytes-at-a-time scan finds exactly what a byte-by-byte scan finds. */
class JsonScannerRawStringTest {

    /** The scan as the grammar states it: printable ASCII up to the closing quote. */
    private static int byteByByte(byte[] b, int from, int end) {
        for (int i = from; i < end; i++) {
            byte c = b[i];
            if (c == '"') {
                return i;
            }
            if (c < 0x20 || c == '\\' || c == 0x7F) {
                return -1;
            }
        }
        return -1;
    }

    @Test
    void findsTheClosingQuoteOrRefusesExactlyWhereAByteByByteScanDoes() {
        Random r = new Random(5);
        byte[] rare = {'"', '\\', 0x00, 0x1F, 0x7F, (byte) 0x80, (byte) 0xC3, (byte) 0xFF, 0x20, 0x21, 0x5B, 0x7E};
        JsonScanner s = new JsonScanner() {
        };
        int found = 0;
        int refused = 0;
        for (int n = 0; n < 50_000; n++) {
            byte[] b = new byte[2 + r.nextInt(80)];
            b[0] = '"';
            for (int i = 1; i < b.length; i++) {
                b[i] = (byte) ('A' + r.nextInt(26));
            }
            int specials = r.nextInt(3);
            for (int k = 0; k < specials; k++) {
                b[1 + r.nextInt(b.length - 1)] = rare[r.nextInt(rare.length)];
            }
            if (r.nextBoolean()) {
                b[1 + r.nextInt(b.length - 1)] = '"';
            }
            int end = b.length - r.nextInt(2); // sometimes the message ends before the array
            s.b = b;
            s.pos = 0;
            s.end = end;
            int expected = byteByByte(b, 1, end);
            boolean ok = s.rawString();
            assertThat(ok).as("case %d: %s", n, java.util.HexFormat.of().formatHex(b, 0, end)).isEqualTo(expected >= 0);
            if (ok) {
                assertThat(s.rawFrom).isEqualTo(1);
                assertThat(s.rawTo).isEqualTo(expected);
                assertThat(s.pos).isEqualTo(expected + 1);
                found++;
            } else {
                refused++;
            }
        }
        assertThat(found).isGreaterThan(5_000);
        assertThat(refused).isGreaterThan(5_000);
    }
}
