package io.github.streaminfer.server;

import io.github.streaminfer.image.ImageDecoder;
import io.github.streaminfer.image.ImageDecoders;
import io.github.streaminfer.media.OpenCvDecoderConfig;
import io.github.streaminfer.media.OpenCvImageDecoder;

/**
 * The image decoder each server session gets: OpenCV reading the encoded bytes in place ({@code cv::imdecode}),
 * with reduced JPEG decoding, when OpenCV loads; otherwise {@link ImageDecoders#best()}.
 *
 * <p>The library's default OpenCV decoder goes through a scratch file so that decoding allocates nothing on the
 * Java heap. A server pays for that in system calls on every frame (a write, an open of the file by path, reads
 * through a small stdio buffer, a close), which on a virtual machine cost more CPU than the 144 bytes of garbage
 * {@code cv::imdecode} leaves per frame, so the server decodes in memory.
 *
 * <p><b>Note:</b> each call returns a new decoder, owned by the session that uses it.
 */
final class ServerDecoders {
    static final OpenCvDecoderConfig OPENCV = OpenCvDecoderConfig.DEFAULT.toBuilder().scratchFileDecode(false).build();

    private ServerDecoders() {
    }

    /** {@return a new decoder for one session} */
    static ImageDecoder create() {
        OpenCvImageDecoder cv = new OpenCvImageDecoder(OPENCV);
        if (cv.isAvailable()) {
            return cv;
        }
        cv.close();
        return ImageDecoders.best();
    }
}
