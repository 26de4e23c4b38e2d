package io.github.streaminfer.transport.internal.http;

import io.github.streaminfer.image.ImageHeaders;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.Locale;

/**
 * Checks the format and size of an encoded JPEG or PNG from its header (read by core's {@link ImageHeaders}), so
 * that oversize and non-image payloads are refused on the I/O thread before anything decodes them, with the
 * messages clients read; and decodes base64 images and data URLs, from a {@code String} or, for the common case and
 * without allocating, straight from a message's bytes.
 *
 * <p><b>Note:</b> stateless and thread-safe.
 */
public final class EncodedImages {

    /**
     * The header facts.
     *
     * @param format {@code jpeg} or {@code png}
     * @param width  pixels
     * @param height pixels
     */
    public record Info(String format, int width, int height) {
    }

    /** Value of each base64 character, -1 for every other byte. */
    private static final int[] BASE64 = new int[256];
    /** The data URL prefixes after {@code data:} that {@link #decodeBase64(String, String, int)} accepts, lower case. */
    private static final byte[][] DATA_URL_PREFIXES = {ascii("image/jpeg;base64,"), ascii("image/jpg;base64,"),
        ascii("image/png;base64,")};
    private static final byte[] DATA = ascii("data:");

    static {
        Arrays.fill(BASE64, -1);
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        for (int i = 0; i < alphabet.length(); i++) {
            BASE64[alphabet.charAt(i)] = i;
        }
    }

    private EncodedImages() {
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * @param field     field name for messages
     * @param value     base64 or {@code data:image/(jpeg|png);base64,...}
     * @param maxBytes  largest decoded size allowed
     * @return the decoded bytes
     * @throws ProtocolException if the data URL is not an image one or the base64 is invalid
     */
    public static byte[] decodeBase64(String field, String value, int maxBytes) throws ProtocolException {
        String b64 = value;
        if (value.startsWith("data:")) {
            int comma = value.indexOf(',');
            if (comma < 0) {
                throw new ProtocolException("invalid_image", "field '" + field + "' is a data URL without a comma");
            }
            String meta = value.substring(5, comma).toLowerCase(Locale.ROOT);
            if (!meta.endsWith(";base64")) {
                throw new ProtocolException("invalid_image", "field '" + field
                        + "' must be a base64 data URL (data:image/jpeg;base64,...)");
            }
            String mime = meta.substring(0, meta.length() - 7);
            if (!mime.equals("image/jpeg") && !mime.equals("image/jpg") && !mime.equals("image/png")) {
                throw new ProtocolException("invalid_image", "field '" + field + "' has media type '"
                        + Json.truncate(mime, 40) + "'; allowed: image/jpeg, image/png");
            }
            b64 = value.substring(comma + 1);
        }
        if (b64.isEmpty()) {
            throw new ProtocolException("invalid_image", "field '" + field + "' is empty");
        }
        if ((long) b64.length() / 4 * 3 > maxBytes) {
            throw new ProtocolException("too_large", "field '" + field + "' decodes to about " + b64.length() / 4 * 3
                    + " bytes; allowed: at most " + maxBytes);
        }
        try {
            return Base64.getDecoder().decode(b64);
        } catch (IllegalArgumentException e) {
            throw new ProtocolException("invalid_base64", "field '" + field + "' is not valid base64: "
                    + Json.truncate(e.getMessage(), 80));
        }
    }

    /**
     * Where the base64 of an image value held in {@code b[from, to)} begins: after a data URL's
     * {@code data:image/(jpeg|jpg|png);base64,} (media type and {@code ;base64} in any case, as
     * {@link #decodeBase64(String, String, int)} takes them), or at {@code from} for plain base64.
     *
     * @param b    bytes of the value (ASCII)
     * @param from first byte of the value
     * @param to   end of the value
     * @return the first base64 byte, or -1 for a data URL of any other form
     */
    public static int base64Start(byte[] b, int from, int to) {
        if (!Arrays.equals(b, from, Math.min(to, from + DATA.length), DATA, 0, DATA.length)) {
            return from;
        }
        int p = from + DATA.length;
        for (byte[] prefix : DATA_URL_PREFIXES) {
            if (to - p >= prefix.length && equalsIgnoreAsciiCase(b, p, prefix)) {
                return p + prefix.length;
            }
        }
        return -1;
    }

    private static boolean equalsIgnoreAsciiCase(byte[] b, int at, byte[] lower) {
        for (int i = 0; i < lower.length; i++) {
            int c = b[at + i];
            if (c >= 'A' && c <= 'Z') {
                c += 'a' - 'A';
            }
            if (c != lower[i]) {
                return false;
            }
        }
        return true;
    }

    /**
     * Decodes canonical base64 (a multiple of 4 characters of the standard alphabet, {@code =} padding only at the
     * end) from {@code src[from, to)} into {@code dst}. Any other input, which {@link Base64} may still accept
     * (missing padding), is refused here and left to {@link #decodeBase64(String, String, int)}; every input accepted
     * here decodes to the bytes {@link Base64#getDecoder()} gives.
     *
     * @param src  the base64 characters (ASCII)
     * @param from first character
     * @param to   end of the characters
     * @param dst  receives the bytes; at least {@code (to - from) / 4 * 3} long
     * @return the number of bytes decoded, or -1 if the input is not canonical base64
     */
    public static int decodeBase64(byte[] src, int from, int to, byte[] dst) {
        int n = to - from;
        if (n == 0 || (n & 3) != 0) {
            return -1;
        }
        int pad = src[to - 1] != '=' ? 0 : src[to - 2] != '=' ? 1 : 2;
        int last = pad == 0 ? to : to - 4; // the padded quantum is decoded on its own
        int o = 0;
        for (int i = from; i < last; i += 4) {
            int v = BASE64[src[i] & 0xFF] << 18 | BASE64[src[i + 1] & 0xFF] << 12 | BASE64[src[i + 2] & 0xFF] << 6
                    | BASE64[src[i + 3] & 0xFF];
            if (v < 0) { // a -1 anywhere sets the sign bit
                return -1;
            }
            dst[o] = (byte) (v >> 16);
            dst[o + 1] = (byte) (v >> 8);
            dst[o + 2] = (byte) v;
            o += 3;
        }
        if (pad > 0) {
            int v = BASE64[src[last] & 0xFF] << 18 | BASE64[src[last + 1] & 0xFF] << 12
                    | (pad == 1 ? BASE64[src[last + 2] & 0xFF] << 6 : 0);
            if (v < 0) {
                return -1;
            }
            dst[o++] = (byte) (v >> 16);
            if (pad == 1) {
                dst[o++] = (byte) (v >> 8);
            }
        }
        return o;
    }

    /**
     * Checks an encoded image's size against a byte budget.
     *
     * @param bytes the encoded image's length
     * @param max   the budget
     * @throws ProtocolException {@code too_large} naming both
     */
    public static void checkBytes(int bytes, int max) throws ProtocolException {
        if (bytes > max) {
            throw new ProtocolException("too_large", "image has " + bytes + " bytes; allowed: at most " + max
                    + " (MessageLimits.maxImageBytes)");
        }
    }

    /**
     * Reads format and size from the header and refuses what no policy or detector model uses and what would cost
     * more to decode than it is worth: more than {@code maxPixels}, or more than 8 bits per channel (a 16-bit PNG,
     * a 12-bit JPEG). 8-bit images with an alpha channel are accepted: the decoders drop alpha as they read.
     *
     * @param data      encoded image
     * @param length    valid bytes of {@code data}
     * @param maxPixels largest width × height allowed
     * @return format and size
     * @throws ProtocolException if not a JPEG or PNG, truncated, zero-sized or too large
     */
    public static Info probe(byte[] data, int length, long maxPixels) throws ProtocolException {
        ImageHeaders.Header h = new ImageHeaders.Header();
        probe(data, length, maxPixels, h);
        return new Info(formatName(h), (int) h.width(), (int) h.height());
    }

    /**
     * {@link #probe(byte[], int, long)} without allocating (unless it fails).
     *
     * @param data      encoded image
     * @param length    valid bytes of {@code data}
     * @param maxPixels largest width × height allowed
     * @param into      receives format and size
     * @throws ProtocolException if not a JPEG or PNG, truncated, zero-sized or too large
     */
    public static void probe(byte[] data, int length, long maxPixels, ImageHeaders.Header into)
            throws ProtocolException {
        switch (ImageHeaders.read(data, 0, length, into)) {
            case ImageHeaders.READ -> {
            }
            case ImageHeaders.NOT_JPEG_OR_PNG -> throw new ProtocolException("invalid_image",
                    "image is neither JPEG nor PNG (" + length + " bytes)");
            case ImageHeaders.JPEG_MARKER_EXPECTED -> throw new ProtocolException("invalid_image",
                    "corrupt JPEG: expected a marker at byte " + into.at());
            case ImageHeaders.JPEG_NO_FRAME -> throw new ProtocolException("invalid_image",
                    "corrupt JPEG: no frame header before the image data");
            case ImageHeaders.JPEG_SEGMENT_LENGTH -> throw new ProtocolException("invalid_image",
                    "corrupt JPEG: segment length " + into.value() + " at byte " + into.at());
            case ImageHeaders.PNG_NO_IHDR -> throw new ProtocolException("invalid_image",
                    "corrupt PNG: missing IHDR header");
            default -> throw new ProtocolException("invalid_image",
                    "corrupt JPEG: truncated before its frame header (" + length + " bytes)");
        }
        long w = into.width();
        long h = into.height();
        if (into.format() == ImageHeaders.Format.JPEG) {
            if (into.bitsPerSample() != 8) {
                throw new ProtocolException("unsupported_image", "JPEG has " + into.bitsPerSample()
                        + " bits per sample; allowed: 8 (the model takes 8-bit RGB)");
            }
        } else {
            if (w > Integer.MAX_VALUE || h > Integer.MAX_VALUE) {
                throw new ProtocolException("too_large", "image is " + w + "x" + h + " pixels; far beyond any limit");
            }
            if (into.bitsPerSample() > 8) {
                throw new ProtocolException("unsupported_image", "PNG has " + into.bitsPerSample()
                        + " bits per channel" + (into.hasAlpha() ? " with an alpha channel" : "")
                        + "; allowed: 8 or fewer (the model takes 8-bit RGB; convert before sending)");
            }
        }
        if (w < 1 || h < 1) {
            throw new ProtocolException("invalid_image", "corrupt " + formatName(into) + " header: size " + w
                    + "x" + h);
        }
        long pixels = w * h;
        if (pixels > maxPixels) {
            throw new ProtocolException("too_large", "image is " + w + "x" + h + " = " + pixels
                    + " pixels; allowed: at most " + maxPixels);
        }
    }

    /**
     * {@return {@code jpeg} or {@code png}: the format's name in messages and frames}
     *
     * @param h a header read without error
     */
    public static String formatName(ImageHeaders.Header h) {
        return h.format() == ImageHeaders.Format.PNG ? "png" : "jpeg";
    }
}
