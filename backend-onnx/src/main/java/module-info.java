/**
 * ONNX Runtime backend for StreamInfer: the embedded default. Found through
 * {@link io.github.streaminfer.backend.Backends} as {@code "onnx"}.
 */
// onnxruntime: an automatic module by its stable Automatic-Module-Name (no module-info in its jar)
@SuppressWarnings({"requires-automatic", "requires-transitive-automatic"})
module io.github.streaminfer.backend.onnx {
    requires transitive io.github.streaminfer.core;
    requires transitive com.microsoft.onnxruntime; // environment() and sessionOptions() expose its types
    requires org.slf4j;

    exports io.github.streaminfer.backend.onnx;

    provides io.github.streaminfer.backend.InferenceBackend with io.github.streaminfer.backend.onnx.OnnxBackend;
}
