package io.github.streaminfer.media;

import org.bytedeco.javacpp.Loader;
import org.bytedeco.opencv.global.opencv_imgcodecs;
import org.bytedeco.opencv.global.opencv_imgproc;
import org.bytedeco.opencv.global.opencv_videoio;

/**
 * Whether OpenCV's native libraries load on this machine, asked once and remembered.
 *
 * <p><b>Note:</b> thread-safe.
 */
final class OpenCv {
    private static volatile Throwable cause;
    private static volatile boolean checked;

    private OpenCv() {
    }

    /** {@return null if the natives loaded, else why not} */
    static Throwable loadFailure() {
        if (!checked) {
            synchronized (OpenCv.class) {
                if (!checked) {
                    try {
                        Loader.load(opencv_imgproc.class);
                        Loader.load(opencv_imgcodecs.class);
                        Loader.load(opencv_videoio.class);
                    } catch (Throwable t) { // UnsatisfiedLinkError, NoClassDefFoundError, SecurityException ...
                        cause = t;
                    }
                    checked = true;
                }
            }
        }
        return cause;
    }

    /**
     * Loads OpenCV's native libraries once, or throws.
     *
     * @throws IllegalStateException naming the cause if OpenCV cannot be used here
     */
    static void ensureLoaded() {
        Throwable t = loadFailure();
        if (t != null) {
            throw new IllegalStateException("OpenCV natives are not available on " + System.getProperty("os.name")
                    + "/" + System.getProperty("os.arch") + " (streaminfer-media-javacv ships linux-x86_64 only; "
                    + "see its README to add other platforms): " + t, t);
        }
    }
}
