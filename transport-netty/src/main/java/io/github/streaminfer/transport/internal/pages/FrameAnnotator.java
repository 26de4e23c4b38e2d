package io.github.streaminfer.transport.internal.pages;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Iterator;
import java.util.List;

/**
 * Draws detections into a camera frame and encodes it as JPEG, for the viewers: a box and a label
 * ({@code class_name confidence}) per detection, in the source image's pixels.
 *
 * <p><b>Note:</b> stateless apart from the JPEG writer each call makes; run it off the event loops (the viewer
 * fan-out has its own thread for it).
 */
public final class FrameAnnotator {
    /** One detection to draw. */
    public record Box(float x1, float y1, float x2, float y2, float confidence, String label) {
    }

    private static final Color[] COLORS = {new Color(0x2ecc71), new Color(0xe67e22), new Color(0x3498db),
        new Color(0xe74c3c), new Color(0x9b59b6), new Color(0xf1c40f)};

    private FrameAnnotator() {
    }

    /**
     * Annotates one frame.
     *
     * @param image   the encoded source frame (JPEG or PNG)
     * @param boxes   detections to draw
     * @param quality JPEG quality in (0, 1]
     * @return the annotated JPEG, or null if the source cannot be decoded
     * @throws IOException if encoding fails
     */
    public static byte[] annotate(byte[] image, List<Box> boxes, float quality) throws IOException {
        BufferedImage src = ImageIO.read(new ByteArrayInputStream(image));
        if (src == null) {
            return null;
        }
        BufferedImage img = src.getType() == BufferedImage.TYPE_3BYTE_BGR ? src
                : new BufferedImage(src.getWidth(), src.getHeight(), BufferedImage.TYPE_3BYTE_BGR);
        Graphics2D g = img.createGraphics();
        try {
            if (img != src) {
                g.drawImage(src, 0, 0, null);
            }
            int stroke = Math.max(2, Math.min(img.getWidth(), img.getHeight()) / 160);
            g.setStroke(new BasicStroke(stroke));
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, Math.max(11, img.getHeight() / 30)));
            for (int i = 0; i < boxes.size(); i++) {
                Box b = boxes.get(i);
                Color c = COLORS[Math.floorMod(b.label().hashCode(), COLORS.length)];
                int x = Math.round(b.x1());
                int y = Math.round(b.y1());
                int w = Math.round(b.x2() - b.x1());
                int h = Math.round(b.y2() - b.y1());
                g.setColor(c);
                g.drawRect(x, y, w, h);
                String text = b.label() + " " + Math.round(b.confidence() * 100) + "%";
                int tw = g.getFontMetrics().stringWidth(text) + 6;
                int th = g.getFontMetrics().getHeight();
                int ty = Math.max(0, y - th);
                g.fillRect(x, ty, tw, th);
                g.setColor(Color.BLACK);
                g.drawString(text, x + 3, ty + g.getFontMetrics().getAscent());
            }
        } finally {
            g.dispose();
        }
        return jpeg(img, quality);
    }

    private static byte[] jpeg(BufferedImage img, float quality) throws IOException {
        Iterator<ImageWriter> it = ImageIO.getImageWritersByFormatName("jpeg");
        if (!it.hasNext()) {
            throw new IOException("no JPEG writer in this JDK");
        }
        ImageWriter w = it.next();
        ByteArrayOutputStream out = new ByteArrayOutputStream(64 * 1024);
        try (MemoryCacheImageOutputStream ios = new MemoryCacheImageOutputStream(out)) {
            w.setOutput(ios);
            ImageWriteParam p = w.getDefaultWriteParam();
            p.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            p.setCompressionQuality(quality);
            w.write(null, new IIOImage(img, null, null), p);
        } finally {
            w.dispose();
        }
        return out.toByteArray();
    }
}
