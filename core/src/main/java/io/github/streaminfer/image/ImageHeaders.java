package io.github.streaminfer.image;

import io.github.streaminfer.exceptions.InvalidImageException;
import java.nio.ByteBuffer;

/**
 * Reads the size of an encoded JPEG or PNG from its header bytes alone, and checks the limits of an
 * {@link ImageSpec} before anything is decoded: encoded size, a well-formed header, the pixel count the header
 * claims, and the end marker (a JPEG without its end-of-image marker or a PNG without its {@code IEND} chunk is
 * truncated). Every decoder runs this first, so a decompression bomb or a 30,000 × 30,000 header is refused
 * before any allocation proportional to the image.
 *
 * <p>JPEG: the markers are walked from SOI to the first start-of-frame (baseline, extended, progressive or
 * lossless; Huffman or arithmetic) and its height, width and component count are read. PNG: the signature and the
 * {@code IHDR} chunk give width, height, bit depth and colour type.
 *
 * <p><b>Note:</b> stateless and thread-safe; allocates nothing unless it throws.
 *
 * @since 0.1.0
 */
public final class ImageHeaders {

    /** Container formats the decoders accept. */
    public enum Format {
        /** JPEG / JFIF / EXIF. */
        JPEG,
        /** Portable Network Graphics. */
        PNG
    }

    /** {@link #read}: the header was read; {@link Header} holds format, size and bit depth. */
    public static final int READ = 0;
    /** {@link #read}: the first bytes are neither a JPEG's SOI nor the PNG signature. */
    public static final int NOT_JPEG_OR_PNG = 1;
    /** {@link #read}: a JPEG byte that should start a marker does not ({@link Header#at()}: where). */
    public static final int JPEG_MARKER_EXPECTED = 2;
    /** {@link #read}: a JPEG reaches its scan data or end marker before any start-of-frame. */
    public static final int JPEG_NO_FRAME = 3;
    /** {@link #read}: a JPEG segment length below 2 ({@link Header#value()}: it, {@link Header#at()}: where). */
    public static final int JPEG_SEGMENT_LENGTH = 4;
    /** {@link #read}: a JPEG ends before its start-of-frame has been read. */
    public static final int JPEG_TRUNCATED = 5;
    /** {@link #read}: a PNG has no 13-byte {@code IHDR} chunk first. */
    public static final int PNG_NO_IHDR = 6;

    /**
     * What {@link #read} found in an encoded image's header: format, width, height and bits per sample, or where it
     * stopped. A caller reuses one for every image it reads.
     *
     * <p><b>Note:</b> not thread-safe: one per thread (or per connection of an event loop).
     */
    public static final class Header {
        private Format format;
        private long width;
        private long height;
        private int bitsPerSample;
        private int colourType;
        private int at;
        private int value;

        /** {@return the format, or null if the first bytes named none} */
        public Format format() {
            return format;
        }

        /** {@return the width the header declares (a PNG's may exceed {@code Integer.MAX_VALUE})} */
        public long width() {
            return width;
        }

        /** {@return the height the header declares (a PNG's may exceed {@code Integer.MAX_VALUE})} */
        public long height() {
            return height;
        }

        /** {@return a JPEG's sample precision or a PNG's bit depth} */
        public int bitsPerSample() {
            return bitsPerSample;
        }

        /** {@return true for a PNG with an alpha channel (colour type 4 or 6)} */
        public boolean hasAlpha() {
            return colourType == 4 || colourType == 6;
        }

        /** {@return where a JPEG read stopped, counted from the image's first byte} */
        public int at() {
            return at;
        }

        /** {@return the offending value of {@link #JPEG_SEGMENT_LENGTH}} */
        public int value() {
            return value;
        }
    }

    private static final int TAIL_WINDOW = 64;

    private ImageHeaders() {
    }

    /**
     * {@return the format the first bytes announce, or null if neither JPEG nor PNG}
     *
     * @param encoded bytes from position to limit (not changed)
     */
    public static Format formatOf(ByteBuffer encoded) {
        int p = encoded.position();
        int n = encoded.remaining();
        if (n >= 3 && u8(encoded, p) == 0xFF && u8(encoded, p + 1) == 0xD8 && u8(encoded, p + 2) == 0xFF) {
            return Format.JPEG;
        }
        if (n >= 8 && be32(encoded, p) == 0x89504E47 && be32(encoded, p + 4) == 0x0D0A1A0A) {
            return Format.PNG;
        }
        return null;
    }

    /**
     * Checks the encoded size, parses the header and checks the claimed size against {@code spec}.
     *
     * @param encoded bytes from position to limit (position not changed; byte order not used)
     * @param spec    limits ({@link ImageSpec#maxEncodedBytes()}, {@link ImageSpec#maxPixels()})
     * @param dst     receives width and height as source size, scale 1 and no padding
     * @return the format
     * @throws InvalidImageException with a message naming what is wrong
     */
    public static Format probe(ByteBuffer encoded, ImageSpec spec, ImageGeometry dst) {
        int n = encoded.remaining();
        if (n == 0) {
            throw new InvalidImageException("image is empty (0 bytes)");
        }
        if (n > spec.maxEncodedBytes()) {
            throw new InvalidImageException("encoded image has " + n + " bytes; allowed: at most "
                    + spec.maxEncodedBytes() + " (ImageSpec.maxEncodedBytes)");
        }
        Format format = formatOf(encoded);
        if (format == null) {
            throw new InvalidImageException("not a JPEG or PNG image (first bytes " + hexPrefix(encoded) + ")");
        }
        long packed = format == Format.JPEG ? jpegSize(encoded) : pngSize(encoded);
        int width = (int) (packed >>> 32);
        int height = (int) packed;
        if ((long) width * height > spec.maxPixels()) {
            throw new InvalidImageException(format + " header claims " + width + "x" + height + " = "
                    + ((long) width * height) + " pixels; allowed: at most " + spec.maxPixels()
                    + " (ImageSpec.maxPixels)");
        }
        if (format == Format.JPEG ? !hasJpegEnd(encoded) : !hasPngEnd(encoded)) {
            throw new InvalidImageException(format + " image of " + n + " bytes is truncated: no "
                    + (format == Format.JPEG ? "end-of-image marker (FFD9)" : "IEND chunk") + " at its end");
        }
        dst.set(width, height, 1, 1, 0, 0);
        return format;
    }

    /**
     * Reads format, size and bits per sample from an encoded image's header, and stops there: no limit is checked
     * and the end marker is not looked for, so that a caller applies its own limits and words its own refusals.
     * JPEG: the markers from SOI to the first start-of-frame; PNG: the signature and the {@code IHDR} chunk.
     *
     * @param data   the encoded image
     * @param offset its first byte
     * @param length its length
     * @param into   receives what was read, or where it stopped
     * @return {@link #READ}, or the code of what is wrong: {@link #NOT_JPEG_OR_PNG}, {@link #JPEG_MARKER_EXPECTED},
     *         {@link #JPEG_NO_FRAME}, {@link #JPEG_SEGMENT_LENGTH}, {@link #JPEG_TRUNCATED}, {@link #PNG_NO_IHDR}
     */
    public static int read(byte[] data, int offset, int length, Header into) {
        into.format = null;
        into.colourType = -1;
        if (length >= 2 && (data[offset] & 0xFF) == 0xFF && (data[offset + 1] & 0xFF) == 0xD8) {
            into.format = Format.JPEG;
            return readJpeg(data, offset, offset + length, into);
        }
        if (length >= 8 && (data[offset] & 0xFF) == 0x89 && data[offset + 1] == 'P' && data[offset + 2] == 'N'
                && data[offset + 3] == 'G' && data[offset + 4] == 0x0D && data[offset + 5] == 0x0A
                && data[offset + 6] == 0x1A && data[offset + 7] == 0x0A) {
            into.format = Format.PNG;
            int o = offset;
            if (length < 26 || data[o + 12] != 'I' || data[o + 13] != 'H' || data[o + 14] != 'D'
                    || data[o + 15] != 'R') {
                return PNG_NO_IHDR;
            }
            into.width = u32(data, o + 16);
            into.height = u32(data, o + 20);
            into.bitsPerSample = data[o + 24] & 0xFF;
            into.colourType = data[o + 25] & 0xFF;
            return READ;
        }
        return NOT_JPEG_OR_PNG;
    }

    private static int readJpeg(byte[] d, int offset, int n, Header into) {
        int i = offset + 2;
        while (i < n) {
            if ((d[i] & 0xFF) != 0xFF) {
                into.at = i - offset;
                return JPEG_MARKER_EXPECTED;
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
                return JPEG_NO_FRAME;
            }
            if (i + 2 > n) {
                break;
            }
            int len = ((d[i] & 0xFF) << 8) | (d[i + 1] & 0xFF);
            if (len < 2) {
                into.at = i - offset;
                into.value = len;
                return JPEG_SEGMENT_LENGTH;
            }
            if (isStartOfFrame(m)) {
                if (i + 7 > n) {
                    break;
                }
                into.bitsPerSample = d[i + 2] & 0xFF;
                into.height = ((d[i + 3] & 0xFF) << 8) | (d[i + 4] & 0xFF);
                into.width = ((d[i + 5] & 0xFF) << 8) | (d[i + 6] & 0xFF);
                return READ;
            }
            i += len;
        }
        return JPEG_TRUNCATED;
    }

    private static long u32(byte[] d, int o) {
        return ((long) (d[o] & 0xFF) << 24) | ((d[o + 1] & 0xFF) << 16) | ((d[o + 2] & 0xFF) << 8) | (d[o + 3] & 0xFF);
    }

    private static long jpegSize(ByteBuffer b) {
        int p = b.position() + 2;
        int end = b.limit();
        while (true) {
            // markers may be preceded by any number of 0xFF fill bytes
            if (p >= end || u8(b, p) != 0xFF) {
                throw truncatedOrCorrupt(b, p, "expected a JPEG marker");
            }
            while (p < end && u8(b, p) == 0xFF) {
                p++;
            }
            if (p >= end) {
                throw truncatedOrCorrupt(b, p, "header ends inside a marker");
            }
            int marker = u8(b, p++);
            if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) {
                continue; // standalone markers carry no length
            }
            if (marker == 0xD8 || marker == 0xD9 || marker == 0xDA || marker == 0x00) {
                throw new InvalidImageException("corrupt JPEG: marker 0xFF" + Integer.toHexString(marker)
                        .toUpperCase(java.util.Locale.ROOT) + " at byte " + (p - 1 - b.position())
                        + " before any start-of-frame");
            }
            if (p + 2 > end) {
                throw truncatedOrCorrupt(b, p, "header ends inside a segment length");
            }
            int length = (u8(b, p) << 8) | u8(b, p + 1);
            if (length < 2) {
                throw new InvalidImageException("corrupt JPEG: segment length " + length + " at byte "
                        + (p - b.position()));
            }
            if (isStartOfFrame(marker)) {
                if (length < 8 || p + 8 > end) {
                    throw truncatedOrCorrupt(b, p, "start-of-frame segment too short");
                }
                int height = (u8(b, p + 3) << 8) | u8(b, p + 4);
                int width = (u8(b, p + 5) << 8) | u8(b, p + 6);
                int components = u8(b, p + 7);
                if (width == 0 || height == 0) {
                    throw new InvalidImageException("JPEG header declares " + width + "x" + height
                            + "; allowed: width and height >= 1 (a height defined later by DNL is not supported)");
                }
                if (components != 1 && components != 3 && components != 4) {
                    throw new InvalidImageException("JPEG header declares " + components
                            + " components; allowed: 1 (grey), 3 (colour) or 4 (CMYK)");
                }
                return ((long) width << 32) | height;
            }
            p += length;
        }
    }

    private static boolean isStartOfFrame(int marker) {
        return marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
    }

    private static long pngSize(ByteBuffer b) {
        int p = b.position();
        if (b.remaining() < 33) {
            throw new InvalidImageException("truncated PNG: " + b.remaining() + " bytes, the header alone needs 33");
        }
        int length = be32(b, p + 8);
        int type = be32(b, p + 12);
        if (type != 0x49484452 || length != 13) {
            throw new InvalidImageException("corrupt PNG: the first chunk is not a 13-byte IHDR");
        }
        long width = be32(b, p + 16) & 0xFFFFFFFFL;
        long height = be32(b, p + 20) & 0xFFFFFFFFL;
        int depth = u8(b, p + 24);
        int colour = u8(b, p + 25);
        if (width == 0 || height == 0 || width > Integer.MAX_VALUE || height > Integer.MAX_VALUE) {
            throw new InvalidImageException("PNG header declares " + width + "x" + height
                    + "; allowed: 1 to 2^31-1 per side");
        }
        boolean validDepth = switch (colour) {
            case 0 -> depth == 1 || depth == 2 || depth == 4 || depth == 8 || depth == 16;
            case 3 -> depth == 1 || depth == 2 || depth == 4 || depth == 8;
            case 2, 4, 6 -> depth == 8 || depth == 16;
            default -> false;
        };
        if (!validDepth) {
            throw new InvalidImageException("corrupt PNG: colour type " + colour + " with bit depth " + depth);
        }
        return (width << 32) | height;
    }

    private static boolean hasJpegEnd(ByteBuffer b) {
        int start = Math.max(b.position() + 2, b.limit() - TAIL_WINDOW);
        for (int i = b.limit() - 2; i >= start; i--) {
            if (u8(b, i) == 0xFF && u8(b, i + 1) == 0xD9) {
                return true;
            }
        }
        return false;
    }

    private static boolean hasPngEnd(ByteBuffer b) {
        int start = Math.max(b.position() + 33, b.limit() - TAIL_WINDOW);
        for (int i = b.limit() - 8; i >= start; i--) {
            if (be32(b, i) == 0x49454E44) { // "IEND"
                return true;
            }
        }
        return false;
    }

    private static InvalidImageException truncatedOrCorrupt(ByteBuffer b, int p, String what) {
        return new InvalidImageException((p >= b.limit() ? "truncated" : "corrupt") + " JPEG: " + what
                + " at byte " + (p - b.position()) + " of " + b.remaining());
    }

    private static int be32(ByteBuffer b, int index) {
        return (u8(b, index) << 24) | (u8(b, index + 1) << 16) | (u8(b, index + 2) << 8) | u8(b, index + 3);
    }

    private static int u8(ByteBuffer b, int index) {
        return b.get(index) & 0xFF;
    }

    private static String hexPrefix(ByteBuffer b) {
        StringBuilder sb = new StringBuilder();
        int n = Math.min(8, b.remaining());
        for (int i = 0; i < n; i++) {
            if (i > 0) {
                sb.append(' ');
            }
            sb.append(String.format("%02X", b.get(b.position() + i)));
        }
        return sb.length() == 0 ? "none" : sb.toString();
    }
}
