package io.github.streaminfer.media;

import io.github.streaminfer.image.ImageFit;
import io.github.streaminfer.image.ImageSpec;
import io.github.streaminfer.tensor.DType;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.MatVector;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.bytedeco.opencv.opencv_core.Size;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import static org.bytedeco.opencv.global.opencv_core.CV_32FC1;
import static org.bytedeco.opencv.global.opencv_core.CV_32FC3;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC1;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;

/**
 * {@code Mat}s over one region of a tensor's memory for one source size and {@link ImageSpec}, rebuilt only when
 * one of them changes: the tensor's planes (one per channel for NCHW, one interleaved image for NHWC), the content
 * rectangle inside them, the padding strips around it with their fill values, and what reorders and normalises the
 * channels (per-channel scale and offset, the {@code split} vectors, or the {@code transform} matrix). Writing a
 * frame through them puts OpenCV's output straight into the tensor.
 *
 * <p><b>Note:</b> not thread-safe; owned by one {@link OpenCvImageDecoder}. The tensor's buffer stays referenced
 * (so its memory stays reachable) until the next {@link #bind} or {@link #release()}.
 */
final class TensorTarget {
    ByteBuffer buffer;
    long elementOffset = -1;
    ImageSpec spec;
    int sw;
    int sh;
    boolean srcRgb;
    boolean swap;
    int cw;
    int ch;
    final int[] sourcePlane = new int[3];
    final double[] alpha = new double[3];
    final double[] beta = new double[3];
    BytePointer pointer;
    final Mat[] planes = new Mat[3];
    final Mat[] contentPlanes = new Mat[3];
    MatVector uint8Planes;
    final Mat[] planes8 = new Mat[3];
    MatVector splitVector;
    Size dsize;
    Mat transform;
    FloatPointer transformData;
    final List<Mat> padMats = new ArrayList<>();
    final List<Scalar> padValues = new ArrayList<>();

    /** {@return true if the Mats were built for exactly this buffer, offset, spec, source and content size} */
    boolean matches(ByteBuffer b, long off, ImageSpec s, int w, int h, int contentW, int contentH,
                    boolean rgb) {
        return b == buffer && off == elementOffset && w == sw && h == sh && contentW == cw && contentH == ch
                && rgb == srcRgb && (s == spec || s.equals(spec));
    }

    /** Rebuilds the Mats for a buffer, element offset, spec, source size, content size and source order. */
    void bind(ByteBuffer b, long off, ImageSpec s, int w, int h, int contentW, int contentH, boolean rgb) {
        release();
        buffer = b;
        elementOffset = off;
        spec = s;
        sw = w;
        sh = h;
        srcRgb = rgb;
        boolean wantRgb = s.channelOrder() == ImageSpec.ChannelOrder.RGB;
        swap = wantRgb != rgb;
        cw = contentW;
        ch = contentH;
        int tw = s.width();
        int th = s.height();
        int px = s.resize() == ImageSpec.ResizeMode.STRETCH ? 0 : (tw - cw) / 2;
        int py = s.resize() == ImageSpec.ResizeMode.STRETCH ? 0 : (th - ch) / 2;
        for (int c = 0; c < 3; c++) {
            // source planes are B,G,R (or R,G,B for an RGB source); tensor channel c takes plane 2-c if swapped
            sourcePlane[c] = swap ? 2 - c : c;
            alpha[c] = ImageFit.alpha(s, c);
            beta[c] = ImageFit.beta(s, c);
        }
        boolean f32 = s.dtype() == DType.FLOAT32;
        int es = s.dtype().byteSize();
        dsize = new Size(cw, ch);
        pointer = new BytePointer(b.duplicate().clear());
        long base = off * es;
        List<Rect> strips = new ArrayList<>();
        addStrip(strips, 0, 0, tw, py);
        addStrip(strips, 0, py + ch, tw, th - py - ch);
        addStrip(strips, 0, py, px, ch);
        addStrip(strips, px + cw, py, tw - px - cw, ch);
        Rect content = new Rect(px, py, cw, ch);
        if (s.layout() == ImageSpec.Layout.NCHW) {
            long plane = (long) tw * th * es;
            for (int c = 0; c < 3; c++) {
                BytePointer p = new BytePointer(pointer).position(base + c * plane);
                planes[c] = new Mat(th, tw, f32 ? CV_32FC1 : CV_8UC1, p);
                contentPlanes[c] = new Mat(planes[c], content);
                for (Rect r : strips) {
                    padMats.add(new Mat(planes[c], r));
                    padValues.add(new Scalar(f32 ? ImageFit.padValue(s, c) : ImageFit.padByte(s, c)));
                }
            }
            if (f32) {
                // split writes into these (same size and type, so it reuses their memory every frame)
                splitVector = new MatVector(3);
                for (int c = 0; c < 3; c++) {
                    planes8[c] = new Mat(ch, cw, CV_8UC1);
                    splitVector.put(c, planes8[c]);
                }
            } else {
                uint8Planes = new MatVector(3);
                for (int c = 0; c < 3; c++) {
                    uint8Planes.put(sourcePlane[c], contentPlanes[c]);
                }
            }
        } else {
            BytePointer p = new BytePointer(pointer).position(base);
            planes[0] = new Mat(th, tw, f32 ? CV_32FC3 : CV_8UC3, p);
            contentPlanes[0] = new Mat(planes[0], content);
            for (Rect r : strips) {
                padMats.add(new Mat(planes[0], r));
                padValues.add(f32
                        ? new Scalar(ImageFit.padValue(s, 0), ImageFit.padValue(s, 1), ImageFit.padValue(s, 2), 0)
                        : new Scalar(ImageFit.padByte(s, 0), ImageFit.padByte(s, 1), ImageFit.padByte(s, 2), 0));
            }
            if (f32) {
                // out[c] = alpha[c] * in[sourcePlane[c]] + beta[c]: reorder and normalise in one pass
                float[] m = new float[12];
                for (int c = 0; c < 3; c++) {
                    m[c * 4 + sourcePlane[c]] = (float) alpha[c];
                    m[c * 4 + 3] = (float) beta[c];
                }
                transformData = new FloatPointer(m);
                transform = new Mat(3, 4, CV_32FC1, transformData);
            }
        }
        content.close();
        for (Rect r : strips) {
            r.close();
        }
    }

    private static void addStrip(List<Rect> strips, int x, int y, int w, int h) {
        if (w > 0 && h > 0) {
            strips.add(new Rect(x, y, w, h));
        }
    }

    /** Fills the padding strips around the content with the spec's pad values. */
    void pad() {
        for (int i = 0, n = padMats.size(); i < n; i++) {
            padMats.get(i).put(padValues.get(i));
        }
    }

    /** Frees every Mat and drops the tensor's buffer. */
    void release() {
        for (Mat m : padMats) {
            m.close();
        }
        for (Scalar v : padValues) {
            v.close();
        }
        padMats.clear();
        padValues.clear();
        for (int c = 0; c < 3; c++) {
            if (contentPlanes[c] != null) {
                contentPlanes[c].close();
                contentPlanes[c] = null;
            }
            if (planes[c] != null) {
                planes[c].close();
                planes[c] = null;
            }
        }
        if (uint8Planes != null) {
            uint8Planes.close();
            uint8Planes = null;
        }
        if (splitVector != null) {
            splitVector.close();
            splitVector = null;
            for (int c = 0; c < 3; c++) {
                planes8[c].close();
                planes8[c] = null;
            }
        }
        if (dsize != null) {
            dsize.close();
            dsize = null;
        }
        if (transform != null) {
            transform.close();
            transformData.close();
            transform = null;
            transformData = null;
        }
        if (pointer != null) {
            pointer.close();
            pointer = null;
        }
        buffer = null;
        spec = null;
        elementOffset = -1;
    }
}
