/**
 * TensorRT backend for StreamInfer. Found through {@link io.github.streaminfer.backend.Backends} as
 * {@code "tensorrt"}.
 */
module io.github.streaminfer.backend.tensorrt {
    requires transitive io.github.streaminfer.core;
    requires org.bytedeco.javacpp;
    requires org.bytedeco.cuda;
    requires org.bytedeco.tensorrt;
    requires org.slf4j;

    exports io.github.streaminfer.backend.tensorrt;

    provides io.github.streaminfer.backend.InferenceBackend
            with io.github.streaminfer.backend.tensorrt.TensorRtBackend;
}
