package io.github.streaminfer.transport;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/** Small encoded images that are expensive to decode: all-zero PNGs of any size, depth and colour type. */
final class BombImages {
    private BombImages() {
    }

    /**
     * {@return an all-zero PNG}, written chunk by chunk and deflated row by row, so that a 5000 × 5000 16-bit RGBA
     * image (200 MB of pixels) costs the test about 200 KB of memory.
     *
     * @param width      pixels
     * @param height     pixels
     * @param bitDepth   8 or 16
     * @param colourType 2 (RGB) or 6 (RGBA)
     */
    static byte[] zeroPng(int width, int height, int bitDepth, int colourType) {
        int channels = colourType == 6 ? 4 : colourType == 2 ? 3 : colourType == 4 ? 2 : 1;
        int rowBytes = 1 + width * channels * bitDepth / 8;
        ByteArrayOutputStream idat = new ByteArrayOutputStream();
        Deflater d = new Deflater(Deflater.BEST_COMPRESSION);
        byte[] row = new byte[rowBytes];
        byte[] buf = new byte[64 * 1024];
        for (int y = 0; y < height; y++) {
            d.setInput(row);
            while (!d.needsInput()) {
                int n = d.deflate(buf);
                idat.write(buf, 0, n);
            }
        }
        d.finish();
        while (!d.finished()) {
            int n = d.deflate(buf);
            idat.write(buf, 0, n);
        }
        d.end();
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        png.writeBytes(new byte[]{(byte) 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A});
        ByteBuffer ihdr = ByteBuffer.allocate(13).putInt(width).putInt(height).put((byte) bitDepth)
                .put((byte) colourType).put((byte) 0).put((byte) 0).put((byte) 0);
        chunk(png, "IHDR", ihdr.array());
        chunk(png, "IDAT", idat.toByteArray());
        chunk(png, "IEND", new byte[0]);
        return png.toByteArray();
    }

    private static void chunk(ByteArrayOutputStream out, String type, byte[] data) {
        byte[] t = type.getBytes(StandardCharsets.US_ASCII);
        out.writeBytes(ByteBuffer.allocate(4).putInt(data.length).array());
        out.writeBytes(t);
        out.writeBytes(data);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data);
        out.writeBytes(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }
}
