package io.github.streaminfer.testkit;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Rendered test scenes (gradient, shapes, text), grey or colour, encoded with ImageIO as JPEG or PNG: real encoded
 * images made in the test, for decoder tests and image benchmarks.
 *
 * @since 0.1.0
 */
public final class TestImages {
    private TestImages() {
    }

    /**
     * @param w    width
     * @param h    height
     * @param grey one grey channel instead of BGR colour
     * @return a scene with a gradient, shapes and text, so resizing and colour errors show
     */
    public static BufferedImage scene(int w, int h, boolean grey) {
        BufferedImage img = new BufferedImage(w, h, grey ? BufferedImage.TYPE_BYTE_GRAY : BufferedImage.TYPE_3BYTE_BGR);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setPaint(new GradientPaint(0, 0, new Color(20, 60, 200), w, h, new Color(250, 200, 30)));
        g.fillRect(0, 0, w, h);
        g.setColor(new Color(200, 30, 40));
        g.fillOval(w / 8, h / 6, w / 3, h / 2);
        g.setColor(new Color(30, 180, 60));
        g.fillRect(w / 2, h / 3, w / 3, h / 3);
        g.setStroke(new BasicStroke(Math.max(1, w / 100f)));
        g.setColor(Color.WHITE);
        for (int i = 0; i < 8; i++) {
            g.drawLine(i * w / 8, 0, w - i * w / 8, h);
        }
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, Math.max(8, h / 8)));
        g.drawString("StreamInfer", w / 10, h - h / 10);
        g.dispose();
        return img;
    }

    /**
     * @param img the image
     * @return it encoded as PNG
     */
    public static byte[] png(BufferedImage img) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ImageIO.write(img, "png", out);
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * @param img     the image
     * @param quality JPEG quality in [0, 1]
     * @return it encoded as JPEG
     */
    public static byte[] jpeg(BufferedImage img, float quality) {
        try {
            ImageWriter w = ImageIO.getImageWritersByFormatName("jpeg").next();
            ImageWriteParam p = w.getDefaultWriteParam();
            p.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            p.setCompressionQuality(quality);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (MemoryCacheImageOutputStream ios = new MemoryCacheImageOutputStream(out)) {
                w.setOutput(ios);
                w.write(null, new IIOImage(img, null, null), p);
            }
            w.dispose();
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * @param bytes encoded bytes
     * @return a direct, native-order buffer holding them, position 0
     */
    public static ByteBuffer direct(byte[] bytes) {
        ByteBuffer b = ByteBuffer.allocateDirect(bytes.length).order(ByteOrder.nativeOrder());
        b.put(bytes).flip();
        return b;
    }

    /**
     * @param w claimed width
     * @param h claimed height
     * @return a syntactically valid PNG signature + IHDR claiming that size, then IEND (no pixel data)
     */
    public static byte[] pngHeader(int w, int h) {
        ByteBuffer b = ByteBuffer.allocate(8 + 25 + 12);
        b.putInt(0x89504E47).putInt(0x0D0A1A0A);
        b.putInt(13).putInt(0x49484452).putInt(w).putInt(h).put((byte) 8).put((byte) 2).put((byte) 0)
                .put((byte) 0).put((byte) 0).putInt(0);
        b.putInt(0).putInt(0x49454E44).putInt(0xAE426082);
        return b.array();
    }

    /**
     * @param jpeg a real JPEG
     * @param w    width to claim
     * @param h    height to claim
     * @return a copy whose first start-of-frame claims that size (a decompression-bomb header)
     */
    public static byte[] jpegClaiming(byte[] jpeg, int w, int h) {
        byte[] out = jpeg.clone();
        int p = 2;
        while (p < out.length) {
            int marker = out[p + 1] & 0xFF;
            int len = ((out[p + 2] & 0xFF) << 8) | (out[p + 3] & 0xFF);
            if (marker == 0xC0 || marker == 0xC2) {
                out[p + 5] = (byte) (h >> 8);
                out[p + 6] = (byte) h;
                out[p + 7] = (byte) (w >> 8);
                out[p + 8] = (byte) w;
                return out;
            }
            p += 2 + len;
        }
        throw new IllegalStateException("no SOF");
    }
}
