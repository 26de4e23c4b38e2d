package io.github.streaminfer.samples.detection;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Locale;

/**
 * Draws detection boxes with their label and confidence into frames, and encodes frames as JPEG.
 *
 * <p><b>Note:</b> stateless and thread-safe.
 */
public final class BoxPainter {

    /**
     * One box to draw, in the frame's pixels.
     *
     * @param x1         left
     * @param y1         top
     * @param x2         right
     * @param y2         bottom
     * @param confidence score in [0, 1]
     * @param label      class name
     */
    public record Box(float x1, float y1, float x2, float y2, float confidence, String label) {
    }

    private BoxPainter() {
    }

    /**
     * Draws boxes into a copy of a frame.
     *
     * @param frame   the frame (not modified)
     * @param boxes   the boxes
     * @param caption a line written at the top left, or null
     * @return the annotated copy, RGB
     */
    public static BufferedImage annotate(BufferedImage frame, List<Box> boxes, String caption) {
        BufferedImage out = new BufferedImage(frame.getWidth(), frame.getHeight(), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.drawImage(frame, 0, 0, null);
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        int stroke = Math.max(2, frame.getWidth() / 320);
        g.setStroke(new BasicStroke(stroke));
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, Math.max(12, frame.getWidth() / 50)));
        for (Box b : boxes) {
            g.setColor(new Color(0, 230, 90));
            int x = Math.round(b.x1());
            int y = Math.round(b.y1());
            g.drawRect(x, y, Math.round(b.x2() - b.x1()), Math.round(b.y2() - b.y1()));
            String text = String.format(Locale.ROOT, "%s %.2f", b.label(), b.confidence());
            int h = g.getFontMetrics().getHeight();
            int w = g.getFontMetrics().stringWidth(text) + 6;
            int ty = y - h >= 0 ? y - h : y;
            g.fillRect(x, ty, w, h);
            g.setColor(Color.BLACK);
            g.drawString(text, x + 3, ty + g.getFontMetrics().getAscent());
        }
        if (caption != null) {
            g.setColor(new Color(0, 0, 0, 160));
            int h = g.getFontMetrics().getHeight();
            g.fillRect(0, 0, g.getFontMetrics().stringWidth(caption) + 10, h + 4);
            g.setColor(Color.WHITE);
            g.drawString(caption, 5, 2 + g.getFontMetrics().getAscent());
        }
        g.dispose();
        return out;
    }

    /**
     * Encodes a frame as JPEG.
     *
     * @param frame   the frame
     * @param quality 0 to 1
     * @return the JPEG bytes
     */
    public static byte[] jpeg(BufferedImage frame, float quality) {
        BufferedImage rgb = frame;
        if (frame.getType() != BufferedImage.TYPE_INT_RGB && frame.getType() != BufferedImage.TYPE_3BYTE_BGR) {
            rgb = new BufferedImage(frame.getWidth(), frame.getHeight(), BufferedImage.TYPE_INT_RGB);
            Graphics2D g = rgb.createGraphics();
            g.drawImage(frame, 0, 0, null);
            g.dispose();
        }
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 << 10);
        try (ImageOutputStream out = ImageIO.createImageOutputStream(bytes)) {
            writer.setOutput(out);
            ImageWriteParam p = writer.getDefaultWriteParam();
            p.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            p.setCompressionQuality(quality);
            writer.write(null, new IIOImage(rgb, null, null), p);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode a JPEG", e);
        } finally {
            writer.dispose();
        }
        return bytes.toByteArray();
    }
}
