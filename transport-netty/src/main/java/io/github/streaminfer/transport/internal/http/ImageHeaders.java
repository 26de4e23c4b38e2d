package io.github.streaminfer.transport.internal.http;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.Locale;

/**
 * Reads the format and size of an encoded JPEG or PNG from its header, so that oversize and non-image payloads are
 * refused on the I/O thread before anything decodes them; and decodes base64 images and data URLs, from a
 * {@code String} or, for the common case and without allocating, straight from a message's bytes.
 *
 * <p><b>Note:</b> stateless and thread-safe.
 */
public final class ImageHeaders {

    /**
     * The header facts.
     *
     * @param format {@code jpeg} or {@code png}
     * @param width  pixels
     * @param height pixels
     */
    public record Info(String format, int width, int height) {
    }

    /** The same facts in a holder that a caller reuses for every image it probes. */
    public static final class Header {
        /** {@code jpeg} or {@code png}. */
    public     String format = "jpeg";
        /** Pixels. */
    public     int width;
        /** Pixels. */
    public     int height;

        private void set(String format, int width, int height) {
            this.format = format;
            this.width = width;
            this.height = height;
        }
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

    private ImageHeaders() {
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
        Header h = new Header();
        probe(data, length, maxPixels, h);
        return new Info(h.format, h.width, h.height);
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
    public static void probe(byte[] data, int length, long maxPixels, Header into) throws ProtocolException {
        if (length >= 2 && (data[0] & 0xFF) == 0xFF && (data[1] & 0xFF) == 0xD8) {
            jpeg(data, length, into);
        } else if (length >= 8 && (data[0] & 0xFF) == 0x89 && data[1] == 'P' && data[2] == 'N' && data[3] == 'G'
                && data[4] == 0x0D && data[5] == 0x0A && data[6] == 0x1A && data[7] == 0x0A) {
            png(data, length, into);
        } else {
            throw new ProtocolException("invalid_image", "image is neither JPEG nor PNG (" + length + " bytes)");
        }
        if (into.width < 1 || into.height < 1) {
            throw new ProtocolException("invalid_image", "corrupt " + into.format + " header: size " + into.width
                    + "x" + into.height);
        }
        long pixels = (long) into.width * into.height;
        if (pixels > maxPixels) {
            throw new ProtocolException("too_large", "image is " + into.width + "x" + into.height + " = " + pixels
                    + " pixels; allowed: at most " + maxPixels);
        }
    }

    private static void jpeg(byte[] d, int n, Header into) throws ProtocolException {
        int i = 2;
        while (i < n) {
            if ((d[i] & 0xFF) != 0xFF) {
                throw new ProtocolException("invalid_image", "corrupt JPEG: expected a marker at byte " + i);
            }
            while (i < n && (d[i] & 0xFF) == 0xFF) {
                i++;
            }
            if (i >= n) {
                break;
            }
            int m = d[i++] & 0xFF;
            if (m == 0x01 || (m >= 0xD0 && m <= 0xD7)) {
                continue;
            }
            if (m == 0xD9 || m == 0xDA) {
                throw new ProtocolException("invalid_image", "corrupt JPEG: no frame header before the image data");
            }
            if (i + 2 > n) {
                break;
            }
            int len = ((d[i] & 0xFF) << 8) | (d[i + 1] & 0xFF);
            if (len < 2) {
                throw new ProtocolException("invalid_image", "corrupt JPEG: segment length " + len + " at byte " + i);
            }
            boolean sof = m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC;
            if (sof) {
                if (i + 7 > n) {
                    break;
                }
                int precision = d[i + 2] & 0xFF;
                if (precision != 8) {
                    throw new ProtocolException("unsupported_image", "JPEG has " + precision
                            + " bits per sample; allowed: 8 (the model takes 8-bit RGB)");
                }
                int h = ((d[i + 3] & 0xFF) << 8) | (d[i + 4] & 0xFF);
                int w = ((d[i + 5] & 0xFF) << 8) | (d[i + 6] & 0xFF);
                into.set("jpeg", w, h);
                return;
            }
            i += len;
        }
        throw new ProtocolException("invalid_image", "corrupt JPEG: truncated before its frame header (" + n + " bytes)");
    }

    private static void png(byte[] d, int n, Header into) throws ProtocolException {
        if (n < 26 || d[12] != 'I' || d[13] != 'H' || d[14] != 'D' || d[15] != 'R') {
            throw new ProtocolException("invalid_image", "corrupt PNG: missing IHDR header");
        }
        long w = readU32(d, 16);
        long h = readU32(d, 20);
        if (w > Integer.MAX_VALUE || h > Integer.MAX_VALUE) {
            throw new ProtocolException("too_large", "image is " + w + "x" + h + " pixels; far beyond any limit");
        }
        int depth = d[24] & 0xFF;
        if (depth > 8) {
            throw new ProtocolException("unsupported_image", "PNG has " + depth + " bits per channel"
                    + (hasAlpha(d[25]) ? " with an alpha channel" : "") + "; allowed: 8 or fewer (the model takes "
                    + "8-bit RGB; convert before sending)");
        }
        into.set("png", (int) w, (int) h);
    }

    /** PNG colour types 4 (grey + alpha) and 6 (RGBA). */
    private static boolean hasAlpha(byte colourType) {
        return colourType == 4 || colourType == 6;
    }

    private static long readU32(byte[] d, int o) {
        return ((long) (d[o] & 0xFF) << 24) | ((d[o + 1] & 0xFF) << 16) | ((d[o + 2] & 0xFF) << 8) | (d[o + 3] & 0xFF);
    }
}
