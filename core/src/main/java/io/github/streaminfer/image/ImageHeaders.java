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
