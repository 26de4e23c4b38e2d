package io.github.streaminfer.samples.detection;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.RadialGradientPaint;
import java.awt.RenderingHints;
import java.awt.geom.Arc2D;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Line2D;
import java.awt.geom.Point2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;

/**
 * Renders test scenes with drawn faces that BlazeFace finds: a shaded oval face with hair, ears, brows, eyes with
 * irises, a nose and a mouth, over a gradient background. Frame {@code i} of a sequence moves two faces along
 * smooth paths and changes their size, so boxes drawn into the output visibly follow them; every seventh frame has
 * no face at all (a negative the detector must leave empty).
 *
 * <p><b>Note:</b> stateless and thread-safe; each call returns a new image.
 */
public final class TestScenes {

    private TestScenes() {
    }

    /**
     * {@return whether frame {@code i} of {@link #frame} shows faces}
     *
     * @param i frame index
     */
    public static boolean hasFaces(int i) {
        return i % 7 != 6;
    }

    /**
     * Renders frame {@code i} of the moving two-face sequence.
     *
     * @param i      frame index
     * @param width  image width
     * @param height image height
     * @return the scene
     */
    public static BufferedImage frame(int i, int width, int height) {
        BufferedImage im = background(width, height, i);
        if (hasFaces(i)) {
            Graphics2D g = graphics(im);
            double t = i / 30.0;
            double r = height * (0.16 + 0.03 * Math.sin(t * 1.3));
            face(g, width * (0.28 + 0.08 * Math.sin(t)), height * (0.5 + 0.1 * Math.cos(t * 0.7)), r);
            face(g, width * (0.72 + 0.06 * Math.cos(t * 0.9)), height * (0.48 + 0.08 * Math.sin(t * 1.1)), r * 0.8);
            g.dispose();
        }
        return im;
    }

    /**
     * Renders one face on a plain background.
     *
     * @param width  image width
     * @param height image height
     * @param cx     face centre x
     * @param cy     face centre y
     * @param r      face half-width, in pixels (the face is about 1.6 r wide and 2.1 r tall)
     * @return the scene
     */
    public static BufferedImage singleFace(int width, int height, double cx, double cy, double r) {
        BufferedImage im = background(width, height, 0);
        Graphics2D g = graphics(im);
        face(g, cx, cy, r);
        g.dispose();
        return im;
    }

    private static BufferedImage background(int width, int height, int i) {
        BufferedImage im = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = graphics(im);
        int shift = (i * 3) % 40;
        g.setPaint(new GradientPaint(0, 0, new Color(70, 90 + shift / 2, 120), 0, height, new Color(160, 170, 180)));
        g.fillRect(0, 0, width, height);
        g.dispose();
        return im;
    }

    private static Graphics2D graphics(BufferedImage im) {
        Graphics2D g = im.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        return g;
    }

    private static void face(Graphics2D g, double cx, double cy, double r) {
        g.setColor(new Color(60, 40, 25)); // hair
        g.fill(new Ellipse2D.Double(cx - r * 1.05, cy - r * 1.35, r * 2.1, r * 1.9));
        g.setColor(new Color(205, 150, 120)); // neck
        g.fill(new Rectangle2D.Double(cx - r * 0.4, cy + r * 0.9, r * 0.8, r * 1.0));
        g.setColor(new Color(215, 160, 130)); // ears
        g.fill(new Ellipse2D.Double(cx - r * 1.0, cy - r * 0.2, r * 0.3, r * 0.5));
        g.fill(new Ellipse2D.Double(cx + r * 0.7, cy - r * 0.2, r * 0.3, r * 0.5));
        g.setPaint(new RadialGradientPaint(new Point2D.Double(cx - r * 0.2, cy - r * 0.3), (float) (r * 1.4),
                new float[] {0f, 1f}, new Color[] {new Color(240, 195, 165), new Color(190, 130, 100)}));
        g.fill(new Ellipse2D.Double(cx - r * 0.8, cy - r * 1.05, r * 1.6, r * 2.1));
        g.setColor(new Color(70, 45, 30)); // brows
        g.setStroke(new BasicStroke((float) (r * 0.09)));
        g.draw(new Arc2D.Double(cx - r * 0.6, cy - r * 0.5, r * 0.45, r * 0.3, 20, 140, Arc2D.OPEN));
        g.draw(new Arc2D.Double(cx + r * 0.15, cy - r * 0.5, r * 0.45, r * 0.3, 20, 140, Arc2D.OPEN));
        for (int side = -1; side <= 1; side += 2) {
            double ex = cx + side * r * 0.36;
            double ey = cy - r * 0.22;
            g.setColor(Color.WHITE);
            g.fill(new Ellipse2D.Double(ex - r * 0.2, ey - r * 0.09, r * 0.4, r * 0.18));
            g.setColor(new Color(80, 60, 40));
            g.fill(new Ellipse2D.Double(ex - r * 0.09, ey - r * 0.09, r * 0.18, r * 0.18));
            g.setColor(Color.BLACK);
            g.fill(new Ellipse2D.Double(ex - r * 0.045, ey - r * 0.045, r * 0.09, r * 0.09));
        }
        g.setColor(new Color(175, 115, 90)); // nose
        g.setStroke(new BasicStroke((float) (r * 0.05)));
        g.draw(new Line2D.Double(cx, cy - r * 0.15, cx - r * 0.08, cy + r * 0.2));
        g.fill(new Ellipse2D.Double(cx - r * 0.15, cy + r * 0.17, r * 0.3, r * 0.1));
        g.setColor(new Color(170, 60, 60)); // mouth
        g.fill(new Arc2D.Double(cx - r * 0.3, cy + r * 0.3, r * 0.6, r * 0.3, 180, 180, Arc2D.CHORD));
    }
}
