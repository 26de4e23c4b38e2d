package io.github.streaminfer.image;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;

/**
 * Finds {@link ImageDecoder}s with {@link ServiceLoader} and picks the best available one by
 * {@link ImageDecoder#priority()}. The built-in {@link JavaImageDecoder} is always among them, whether or not a
 * provider file lists it, so {@link #best()} never fails.
 *
 * <pre>{@code
 * try (ImageDecoder decoder = ImageDecoders.best()) {   // OpenCV when streaminfer-media-javacv is present
 *     decoder.decodeInto(jpegBytes, spec, inputTensor, 0, geometry);
 * }
 * }</pre>
 *
 * <p><b>Note:</b> thread-safe; every call scans the providers again, so call it at setup, not per frame. Each
 * returned decoder is a fresh instance owned by the caller (one per thread), who must close it.
 *
 * @since 0.1.0
 */
public final class ImageDecoders {
    private ImageDecoders() {
    }

    /** {@return rn every decoder found, available or not, best first; the Java decoder always included} */
    public static List<ImageDecoder> all() {
        List<ImageDecoder> found = new ArrayList<>();
        boolean hasJava = false;
        Iterator<ImageDecoder> it = ServiceLoader.load(ImageDecoder.class, ImageDecoders.class.getClassLoader())
                .iterator();
        while (true) {
            ImageDecoder d;
            try {
                if (!it.hasNext()) {
                    break;
                }
                d = it.next();
            } catch (ServiceConfigurationError | LinkageError e) {
                continue; // a provider that cannot even be instantiated is skipped, as if it were absent
            }
            hasJava |= d instanceof JavaImageDecoder;
            found.add(d);
        }
        if (!hasJava) {
            found.add(new JavaImageDecoder());
        }
        found.sort(Comparator.comparingInt(ImageDecoders::rank).reversed());
        return found;
    }

    private static int rank(ImageDecoder d) {
        return safeAvailable(d) ? d.priority() : Integer.MIN_VALUE;
    }

    private static boolean safeAvailable(ImageDecoder d) {
        try {
            return d.isAvailable();
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
    }

    /** {@return rn a new instance of the available decoder with the highest priority (the Java decoder at worst)} */
    public static ImageDecoder best() {
        for (ImageDecoder d : all()) {
            if (safeAvailable(d)) {
                return d.newInstance();
            }
        }
        return new JavaImageDecoder();
    }

    /**
     * {@return a new instance of that decoder}
     *
     * @param id a decoder id such as {@code opencv} or {@code java}
     * @throws IllegalArgumentException if it is not found or not available; the message lists every decoder with
     *                                  its availability and cause
     */
    public static ImageDecoder require(String id) {
        List<ImageDecoder> all = all();
        for (ImageDecoder d : all) {
            if (d.id().equals(id) && safeAvailable(d)) {
                return d.newInstance();
            }
        }
        StringBuilder sb = new StringBuilder("image decoder '").append(id).append("' is not available; found:");
        for (ImageDecoder d : all) {
            sb.append(' ').append(d.id());
            if (safeAvailable(d)) {
                sb.append(" (available)");
            } else {
                Throwable cause = d.unavailabilityCause();
                sb.append(" (unavailable: ").append(cause == null ? "unknown" : cause.toString()).append(')');
            }
        }
        throw new IllegalArgumentException(sb.toString());
    }
}
