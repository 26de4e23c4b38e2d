package io.github.streaminfer.media;

import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_COLOR;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_IGNORE_ORIENTATION;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_REDUCED_COLOR_2;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_REDUCED_COLOR_4;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_REDUCED_COLOR_8;

/**
 * Chooses the scale at which libjpeg decodes a JPEG for a target ({@link OpenCvDecoderConfig#reducedJpegDecode()})
 * and the OpenCV read flags that ask for it.
 *
 * <p><b>Note:</b> stateless; safe from any thread.
 */
final class JpegReduction {

    private JpegReduction() {
    }

    /**
     * The JPEG reduction for one image and target: the largest {@code r} of 8, 4 and 2 that divides both sides and
     * leaves the reduced image at least as large as the content it becomes, else 1. Dividing both sides keeps the
     * reduced pixel grid aligned with the original one (pixel {@code i} covers source pixels
     * {@code [i·r, (i+1)·r)}), so the full-size geometry stays exact.
     *
     * @param width         source width
     * @param height        source height
     * @param contentWidth  width of the image inside the target
     * @param contentHeight height of the image inside the target
     * @return 1, 2, 4 or 8
     */
    static int factor(int width, int height, int contentWidth, int contentHeight) {
        for (int r = 8; r > 1; r >>= 1) {
            if (width % r == 0 && height % r == 0 && width / r >= contentWidth && height / r >= contentHeight) {
                return r;
            }
        }
        return 1;
    }

    /**
     * {@return the flags for {@code cv::imread} and {@code cv::imdecode}}: 8-bit BGR at the given reduction, EXIF
     * orientation not applied
     *
     * @param reduction 1, 2, 4 or 8
     */
    static int decodeFlags(int reduction) {
        int scale = switch (reduction) {
            case 1 -> IMREAD_COLOR;
            case 2 -> IMREAD_REDUCED_COLOR_2;
            case 4 -> IMREAD_REDUCED_COLOR_4;
            case 8 -> IMREAD_REDUCED_COLOR_8;
            default -> throw new IllegalArgumentException("reduction " + reduction + "; allowed: 1, 2, 4, 8");
        };
        return scale | IMREAD_IGNORE_ORIENTATION;
    }
}
