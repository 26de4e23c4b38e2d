package io.github.streaminfer.transport.internal.http;

import io.github.streaminfer.transport.AccessPolicy;
import io.github.streaminfer.transport.Tier;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Header probing, base64/data URLs, JSON limits, the fps gate and key checks. */
class CodecsTest {

    static byte[] encode(String fmt, int w, int h) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB), fmt, out);
        return out.toByteArray();
    }

    @Test
    void probesRealJpegAndPngHeaders() throws Exception {
        byte[] j = encode("jpg", 123, 45);
        assertThat(EncodedImages.probe(j, j.length, 1_000_000)).isEqualTo(new EncodedImages.Info("jpeg", 123, 45));
        byte[] p = encode("png", 7, 300);
        assertThat(EncodedImages.probe(p, p.length, 1_000_000)).isEqualTo(new EncodedImages.Info("png", 7, 300));
        assertThatThrownBy(() -> EncodedImages.probe(j, j.length, 1000)).isInstanceOf(ProtocolException.class)
                .hasMessageContaining("5535 pixels; allowed: at most 1000");
        for (int cut = 0; cut < 40; cut++) {
            final int n = cut;
            assertThatThrownBy(() -> EncodedImages.probe(j, n, 1_000_000)).isInstanceOf(ProtocolException.class);
        }
    }

    @Test
    void dataUrlsAndBase64() throws Exception {
        assertThat(EncodedImages.decodeBase64("image", "data:image/png;base64,AAEC", 100)).containsExactly(0, 1, 2);
        assertThat(EncodedImages.decodeBase64("image", "AAEC", 100)).containsExactly(0, 1, 2);
        assertThatThrownBy(() -> EncodedImages.decodeBase64("image", "data:image/gif;base64,AAEC", 100))
                .hasMessageContaining("image/gif");
        assertThatThrownBy(() -> EncodedImages.decodeBase64("image", "AAEC".repeat(100), 10))
                .hasMessageContaining("allowed: at most 10");
    }

    @Test
    void jsonLimitsAndMessages() throws Exception {
        String deep = "[".repeat(100) + "]".repeat(100);
        assertThatThrownBy(() -> Json.parseObject(Unpooled.copiedBuffer(deep, StandardCharsets.UTF_8)))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("deeper than 32 levels");
        assertThatThrownBy(() -> Json.parseObject(Unpooled.copiedBuffer("{} {}", StandardCharsets.UTF_8)))
                .isInstanceOf(ProtocolException.class);
        var o = Json.parseObject(Unpooled.copiedBuffer("{\"a\": [1, NaN]}", StandardCharsets.UTF_8));
        assertThatThrownBy(() -> Json.floats(o, "a", "a", 10)).hasMessageContaining("'a[1]' is NaN");
    }

    @Test
    void rateGateAdmitsItsRateWithASmallBurst() {
        RateGate g = new RateGate(10);
        long t = 0;
        int admitted = 0;
        for (int i = 0; i < 1000; i++) {
            t += 10_000_000L; // 100 attempts per second for 10 s
            if (g.tryAcquire(t)) {
                admitted++;
            }
        }
        assertThat(admitted).isBetween(100, 103);
        assertThat(new RateGate(0).tryAcquire(0)).isTrue();
    }

    @Test
    void keysAreMatchedExactlyAndNeverExposed() {
        AccessPolicy a = AccessPolicy.builder().apiKey("alpha_key_0001", Tier.FREE).apiKey("beta_key_0002", Tier.PRO)
                .build();
        assertThat(a.authenticate("beta_key_0002").tier()).isEqualTo(Tier.PRO);
        assertThat(a.authenticate("beta_key_0002").keyId()).isEqualTo("key-2");
        assertThat(a.authenticate("beta_key_000")).isNull();
        assertThat(a.authenticate("beta_key_00023")).isNull();
        assertThat(a.authenticate(null)).isNull();
        assertThat(AccessPolicy.OPEN.authenticate(null).tier()).isEqualTo(Tier.OPEN);
        assertThatThrownBy(() -> AccessPolicy.builder().apiKey("short", Tier.FREE))
                .hasMessageContaining("at least 8");
    }
}
