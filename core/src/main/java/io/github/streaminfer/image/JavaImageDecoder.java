package io.github.streaminfer.image;

import io.github.streaminfer.exceptions.InvalidImageException;
import io.github.streaminfer.tensor.DType;
import io.github.streaminfer.tensor.Tensor;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.DataBufferByte;
import java.awt.image.IndexColorModel;
import java.awt.image.PixelInterleavedSampleModel;
import java.awt.image.Raster;
import java.awt.image.SampleModel;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.util.Iterator;

/**
 * The built-in decoder: {@link ImageIO} decodes, then plain Java loops resize (bilinear), letterbox, reorder,
 * normalise and write straight into the tensor. Always available; {@link ImageDecoders} falls back to it when no
 * faster decoder is on the path.
 *
 * <p>Resizing is bilinear with OpenCV's {@code INTER_LINEAR} conventions (pixel centres at {@code x + 0.5}, source
 * coordinates clamped at the borders, a 2 × 2 neighbourhood also when shrinking), so both decoders agree within
 * one grey level. The header is checked with {@link ImageHeaders#probe} before decoding. EXIF orientation is not
 * applied (by either decoder). CMYK JPEGs are refused (ImageIO cannot read them; the OpenCV decoder can).
 *
 * <p><b>Note:</b> an instance keeps reusable buffers and ImageIO readers and belongs to one thread. It allocates
 * per frame inside ImageIO (the decoded {@link BufferedImage}); use the OpenCV decoder where that matters.
 *
 * @since 0.1.0
 */
public final class JavaImageDecoder implements ImageDecoder {
    /** The identifier of this decoder. */
    public static final String ID = "java";
    /** Priority: lowest, any other available decoder wins. */
    public static final int PRIORITY = 0;

    private final ByteBufferImageInputStream input = new ByteBufferImageInputStream();
    private final ImageGeometry probeGeometry = new ImageGeometry();
    private ImageReader jpegReader;
    private ImageReader pngReader;
    private byte[] pixels = new byte[0];
    private int[] row = new int[0];
    private int[] x0 = new int[0];
    private int[] x1 = new int[0];
    private float[] ax = new float[0];
    private boolean closed;

    /** Creates a decoder; ImageIO readers are created on first use. */
    public JavaImageDecoder() {
    }

    @Override
    public String id() {
        return ID;
    }

    @Override
    public int priority() {
        return PRIORITY;
    }

    @Override
    public boolean isAvailable() {
        return true;
    }

    @Override
    public Throwable unavailabilityCause() {
        return null;
    }

    @Override
    public ImageDecoder newInstance() {
        return new JavaImageDecoder();
    }

    @Override
    public ImageGeometry probe(ByteBuffer encoded, ImageSpec spec, ImageGeometry dst) {
        ensureOpen();
        ImageHeaders.probe(encoded, spec, dst);
        return dst;
    }

    @Override
    public ImageGeometry decodeInto(ByteBuffer encoded, ImageSpec spec, Tensor tensor, long elementOffset,
                                    ImageGeometry geometry) {
        ensureOpen();
        ImageFit.checkTarget(spec, tensor, elementOffset);
        ImageHeaders.Format format = ImageHeaders.probe(encoded, spec, probeGeometry);
        int w = probeGeometry.sourceWidth();
        int h = probeGeometry.sourceHeight();
        BufferedImage img = read(encoded, format);
        if (img.getWidth() != w || img.getHeight() != h) {
            throw new InvalidImageException(format + " header says " + w + "x" + h + " but the image decodes to "
                    + img.getWidth() + "x" + img.getHeight());
        }
        Raster raster = img.getRaster();
        SampleModel sm = raster.getSampleModel();
        int type = img.getType();
        if ((type == BufferedImage.TYPE_3BYTE_BGR || type == BufferedImage.TYPE_BYTE_GRAY)
                && sm instanceof PixelInterleavedSampleModel pism && raster.getSampleModelTranslateX() == 0
                && raster.getSampleModelTranslateY() == 0 && raster.getDataBuffer().getNumBanks() == 1) {
            // decoded straight into an interleaved byte array: resize from it without another copy
            byte[] data = ((DataBufferByte) raster.getDataBuffer()).getData();
            int off = raster.getDataBuffer().getOffset();
            int[] bo = pism.getBandOffsets();
            int ps = pism.getPixelStride();
            int stride = pism.getScanlineStride();
            if (type == BufferedImage.TYPE_BYTE_GRAY) {
                fit(data, off + bo[0], w, h, stride, ps, 0, 0, 0, spec, tensor, elementOffset, geometry);
            } else {
                fit(data, off, w, h, stride, ps, bo[0], bo[1], bo[2], spec, tensor, elementOffset, geometry);
            }
            return geometry;
        }
        toBgr(img);
        fit(pixels, 0, w, h, w * 3, 3, 2, 1, 0, spec, tensor, elementOffset, geometry);
        return geometry;
    }

    @Override
    public ImageGeometry fitInto(ByteBuffer src, int width, int height, int rowStride, PixelFormat format,
                                 ImageSpec spec, Tensor tensor, long elementOffset, ImageGeometry geometry) {
        ensureOpen();
        if (src.hasArray() && UnscaledFit.applies(spec, width, height)) {
            return UnscaledFit.write(src.array(), src.arrayOffset() + src.position(), width, height, rowStride,
                    format, spec, tensor, elementOffset, geometry);
        }
        ImageFit.checkPixels(src, width, height, rowStride, format, spec);
        ImageFit.checkTarget(spec, tensor, elementOffset);
        int rowBytes = width * format.channels();
        byte[] px = pixelBuffer(rowBytes * height);
        int p = src.position();
        for (int y = 0; y < height; y++) {
            src.get(p + y * rowStride, px, y * rowBytes, rowBytes);
        }
        switch (format) {
            case BGR -> fit(px, 0, width, height, rowBytes, 3, 2, 1, 0, spec, tensor, elementOffset, geometry);
            case RGB -> fit(px, 0, width, height, rowBytes, 3, 0, 1, 2, spec, tensor, elementOffset, geometry);
            case GRAY -> fit(px, 0, width, height, rowBytes, 1, 0, 0, 0, spec, tensor, elementOffset, geometry);
            default -> throw new IllegalArgumentException("pixel format " + format);
        }
        return geometry;
    }

    private BufferedImage read(ByteBuffer encoded, ImageHeaders.Format format) {
        ImageReader reader = format == ImageHeaders.Format.JPEG ? jpegReader() : pngReader();
        try {
            reader.setInput(input.wrap(encoded), true, true);
            BufferedImage img = reader.read(0, null);
            if (img == null) {
                throw new InvalidImageException(format + " image could not be decoded");
            }
            return img;
        } catch (IOException | RuntimeException e) {
            // a reader that failed may hold broken state: start the next frame with a fresh one
            discard(format);
            if (e instanceof InvalidImageException ie) {
                throw ie;
            }
            InvalidImageException ie = new InvalidImageException("corrupt " + format + " image ("
                    + encoded.remaining() + " bytes): " + e.getMessage());
            ie.initCause(e);
            throw ie;
        } finally {
            if (format == ImageHeaders.Format.JPEG ? jpegReader != null : pngReader != null) {
                reader.setInput(null);
            }
            input.unwrap();
        }
    }

    private ImageReader jpegReader() {
        if (jpegReader == null) {
            jpegReader = reader("jpeg");
        }
        return jpegReader;
    }

    private ImageReader pngReader() {
        if (pngReader == null) {
            pngReader = reader("png");
        }
        return pngReader;
    }

    private static ImageReader reader(String format) {
        Iterator<ImageReader> it = ImageIO.getImageReadersByFormatName(format);
        if (!it.hasNext()) {
            throw new IllegalStateException("this JDK has no ImageIO reader for " + format);
        }
        return it.next();
    }

    private void discard(ImageHeaders.Format format) {
        if (format == ImageHeaders.Format.JPEG) {
            if (jpegReader != null) {
                jpegReader.dispose();
                jpegReader = null;
            }
        } else if (pngReader != null) {
            pngReader.dispose();
            pngReader = null;
        }
    }

    /** Converts any decoded image to interleaved BGR bytes in {@link #pixels}, without colour management. */
    private void toBgr(BufferedImage img) {
        int w = img.getWidth();
        int h = img.getHeight();
        byte[] out = pixelBuffer(w * h * 3);
        Raster raster = img.getRaster();
        ColorModel cm = img.getColorModel();
        int bands = raster.getNumBands();
        if (cm instanceof IndexColorModel icm && bands == 1) {
            int[] r = rowBuffer(w);
            for (int y = 0; y < h; y++) {
                raster.getSamples(0, y, w, 1, 0, r);
                for (int x = 0, o = y * w * 3; x < w; x++, o += 3) {
                    int i = r[x];
                    out[o] = (byte) icm.getBlue(i);
                    out[o + 1] = (byte) icm.getGreen(i);
                    out[o + 2] = (byte) icm.getRed(i);
                }
            }
        } else if (cm instanceof ComponentColorModel && (cm.getNumColorComponents() == 1
                || cm.getNumColorComponents() == 3) && (raster.getTransferType() == DataBuffer.TYPE_BYTE
                || raster.getTransferType() == DataBuffer.TYPE_USHORT)) {
            int shift = raster.getTransferType() == DataBuffer.TYPE_USHORT ? 8 : 0;
            boolean grey = cm.getNumColorComponents() == 1;
            int[] r = rowBuffer(w * bands);
            for (int y = 0; y < h; y++) {
                raster.getPixels(0, y, w, 1, r);
                for (int x = 0, o = y * w * 3, i = 0; x < w; x++, o += 3, i += bands) {
                    int red = r[i] >> shift;
                    int green = grey ? red : r[i + 1] >> shift;
                    int blue = grey ? red : r[i + 2] >> shift;
                    out[o] = (byte) blue;
                    out[o + 1] = (byte) green;
                    out[o + 2] = (byte) red;
                }
            }
        } else {
            int[] r = rowBuffer(w);
            for (int y = 0; y < h; y++) {
                img.getRGB(0, y, w, 1, r, 0, w);
                for (int x = 0, o = y * w * 3; x < w; x++, o += 3) {
                    int argb = r[x];
                    out[o] = (byte) argb;
                    out[o + 1] = (byte) (argb >> 8);
                    out[o + 2] = (byte) (argb >> 16);
                }
            }
        }
    }

    /**
     * Bilinear resize (OpenCV INTER_LINEAR conventions), letterbox, channel order and normalisation, written into
     * the tensor.
     *
     * @param src    interleaved 8-bit pixels
     * @param base   index of the first pixel's first byte
     * @param ps     bytes per pixel
     * @param rIdx   byte offset of red within a pixel (grey: 0 for all three)
     */
    private void fit(byte[] src, int base, int sw, int sh, int stride, int ps, int rIdx, int gIdx, int bIdx,
                     ImageSpec spec, Tensor tensor, long elementOffset, ImageGeometry geometry) {
        geometry.fit(spec, sw, sh);
        int tw = spec.width();
        int th = spec.height();
        int cw = ImageFit.contentWidth(spec, geometry);
        int ch = ImageFit.contentHeight(spec, geometry);
        int px = spec.resize() == ImageSpec.ResizeMode.STRETCH ? 0 : (tw - cw) / 2;
        int py = spec.resize() == ImageSpec.ResizeMode.STRETCH ? 0 : (th - ch) / 2;
        boolean rgb = spec.channelOrder() == ImageSpec.ChannelOrder.RGB;
        int c0 = rgb ? rIdx : bIdx;
        int c2 = rgb ? bIdx : rIdx;
        float a0 = ImageFit.alpha(spec, 0);
        float a1 = ImageFit.alpha(spec, 1);
        float a2 = ImageFit.alpha(spec, 2);
        float b0 = ImageFit.beta(spec, 0);
        float b1 = ImageFit.beta(spec, 1);
        float b2 = ImageFit.beta(spec, 2);
        boolean nchw = spec.layout() == ImageSpec.Layout.NCHW;
        boolean f32 = spec.dtype() == DType.FLOAT32;
        int plane = tw * th;
        int off = (int) elementOffset;
        FloatBuffer fb = f32 ? tensor.floats() : null;
        ByteBuffer bb = f32 ? null : tensor.buffer();

        // padding: every target pixel outside the content rectangle
        if (cw < tw || ch < th) {
            float p0 = ImageFit.padValue(spec, 0);
            float p1 = ImageFit.padValue(spec, 1);
            float p2 = ImageFit.padValue(spec, 2);
            for (int y = 0; y < th; y++) {
                boolean fullRow = y < py || y >= py + ch;
                for (int x = 0; x < tw; x++) {
                    if (fullRow || x < px || x >= px + cw) {
                        store(fb, bb, nchw, off, plane, y * tw + x, p0, p1, p2);
                    }
                }
            }
        }

        coefficients(sw, cw, ps);
        double scaleY = (double) sh / ch;
        for (int dy = 0; dy < ch; dy++) {
            float fy = (float) ((dy + 0.5) * scaleY - 0.5);
            int sy = (int) Math.floor(fy);
            fy -= sy;
            if (sy < 0) {
                sy = 0;
                fy = 0;
            }
            if (sy >= sh - 1) {
                sy = sh - 1;
                fy = 0;
            }
            int row0 = base + sy * stride;
            int row1 = base + Math.min(sy + 1, sh - 1) * stride;
            int target = (py + dy) * tw + px;
            for (int dx = 0; dx < cw; dx++) {
                int i00 = row0 + x0[dx];
                int i01 = row0 + x1[dx];
                int i10 = row1 + x0[dx];
                int i11 = row1 + x1[dx];
                float fx = ax[dx];
                float v0 = lerp2(src, i00 + c0, i01 + c0, i10 + c0, i11 + c0, fx, fy);
                float v1 = lerp2(src, i00 + gIdx, i01 + gIdx, i10 + gIdx, i11 + gIdx, fx, fy);
                float v2 = lerp2(src, i00 + c2, i01 + c2, i10 + c2, i11 + c2, fx, fy);
                if (f32) {
                    store(fb, null, nchw, off, plane, target + dx, v0 * a0 + b0, v1 * a1 + b1, v2 * a2 + b2);
                } else {
                    store(null, bb, nchw, off, plane, target + dx, Math.round(v0), Math.round(v1), Math.round(v2));
                }
            }
        }
    }

    private static float lerp2(byte[] s, int i00, int i01, int i10, int i11, float fx, float fy) {
        float p00 = s[i00] & 0xFF;
        float p01 = s[i01] & 0xFF;
        float p10 = s[i10] & 0xFF;
        float p11 = s[i11] & 0xFF;
        float top = p00 + (p01 - p00) * fx;
        float bottom = p10 + (p11 - p10) * fx;
        return top + (bottom - top) * fy;
    }

    private static void store(FloatBuffer fb, ByteBuffer bb, boolean nchw, int off, int plane, int pixel,
                              float v0, float v1, float v2) {
        if (fb != null) {
            if (nchw) {
                int i = off + pixel;
                fb.put(i, v0);
                fb.put(i + plane, v1);
                fb.put(i + 2 * plane, v2);
            } else {
                int i = off + pixel * 3;
                fb.put(i, v0);
                fb.put(i + 1, v1);
                fb.put(i + 2, v2);
            }
        } else {
            int i = nchw ? off + pixel : off + pixel * 3;
            int step = nchw ? plane : 1;
            bb.put(i, (byte) clampByte(v0));
            bb.put(i + step, (byte) clampByte(v1));
            bb.put(i + 2 * step, (byte) clampByte(v2));
        }
    }

    private static int clampByte(float v) {
        int i = Math.round(v);
        return i < 0 ? 0 : Math.min(255, i);
    }

    /** Horizontal source indices and weights for a resize of {@code sw} to {@code cw} pixels. */
    private void coefficients(int sw, int cw, int ps) {
        if (x0.length < cw) {
            x0 = new int[cw];
            x1 = new int[cw];
            ax = new float[cw];
        }
        double scaleX = (double) sw / cw;
        for (int dx = 0; dx < cw; dx++) {
            float fx = (float) ((dx + 0.5) * scaleX - 0.5);
            int sx = (int) Math.floor(fx);
            fx -= sx;
            if (sx < 0) {
                sx = 0;
                fx = 0;
            }
            if (sx >= sw - 1) {
                sx = sw - 1;
                fx = 0;
            }
            x0[dx] = sx * ps;
            x1[dx] = Math.min(sx + 1, sw - 1) * ps;
            ax[dx] = fx;
        }
    }

    private byte[] pixelBuffer(int bytes) {
        if (pixels.length < bytes) {
            pixels = new byte[bytes];
        }
        return pixels;
    }

    private int[] rowBuffer(int n) {
        if (row.length < n) {
            row = new int[n];
        }
        return row;
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("image decoder '" + ID + "' is closed");
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (jpegReader != null) {
            jpegReader.dispose();
            jpegReader = null;
        }
        if (pngReader != null) {
            pngReader.dispose();
            pngReader = null;
        }
        pixels = new byte[0];
    }

    @Override
    public String toString() {
        return "JavaImageDecoder";
    }
}
