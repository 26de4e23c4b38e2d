/**
 * StreamInfer media: the OpenCV image decoder (found by {@code ServiceLoader} as an
 * {@link io.github.streaminfer.image.ImageDecoder}) and camera, video-file and image-folder frame sources.
 */
module io.github.streaminfer.media.javacv {
    requires transitive io.github.streaminfer.core;
    requires transitive org.bytedeco.javacpp; // frame sources expose Pointer-backed frames
    requires transitive org.bytedeco.opencv; // and OpenCV Mat

    exports io.github.streaminfer.media;

    provides io.github.streaminfer.image.ImageDecoder with io.github.streaminfer.media.OpenCvImageDecoder;
}
