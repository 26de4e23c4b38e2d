package io.github.streaminfer.transport.internal.http;

import com.code_intelligence.jazzer.junit.FuzzTest;

import java.nio.charset.StandardCharsets;

/**
 * Fuzz target for the transport's image checks on untrusted bytes: {@link EncodedImages#decodeBase64} (the
 * {@code image} field of a VLA frame) and {@link EncodedImages#probe}, which refuses a bad or oversized image before a
 * session decodes it. Whatever the bytes, they decode and probe to a size within the pixel limit, or are refused with
 * a client-safe {@link ProtocolException} ({@link WireErrors}).
 */
class WireImageFuzzTest {
    private static final long MAX_PIXELS = 1 << 20;

    @FuzzTest(maxDuration = "15s")
    void imagesProbeWithinThePixelLimitOrRefuseWithProtocolErrors(byte[] bytes) {
        check(bytes);
        try {
            byte[] decoded = EncodedImages.decodeBase64("image", new String(bytes, StandardCharsets.ISO_8859_1), 1 << 16);
            if (decoded.length > 1 << 16) {
                throw new AssertionError("decoded " + decoded.length + " bytes past the limit of " + (1 << 16));
            }
            check(decoded);
        } catch (ProtocolException e) {
            WireErrors.requireClientSafe(e, bytes);
        }
    }

    private static void check(byte[] bytes) {
        try {
            EncodedImages.Info info = EncodedImages.probe(bytes, bytes.length, MAX_PIXELS);
            if (info.width() < 1 || info.height() < 1 || (long) info.width() * info.height() > MAX_PIXELS) {
                throw new AssertionError("accepted " + info + " with " + MAX_PIXELS + " pixels allowed");
            }
        } catch (ProtocolException e) {
            WireErrors.requireClientSafe(e, bytes);
        }
    }
}
