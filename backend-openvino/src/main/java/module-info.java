/**
 * OpenVINO backend for StreamInfer: a JNA binding of OpenVINO's C API 2.0, loaded from a user's OpenVINO install or
 * the openvino pip wheel. Found through {@link io.github.streaminfer.backend.Backends} as {@code "openvino"}.
 */
@SuppressWarnings("requires-automatic") // JNA: an automatic module by its stable Automatic-Module-Name
module io.github.streaminfer.backend.openvino {
    requires transitive io.github.streaminfer.core;
    requires com.sun.jna;
    requires org.slf4j;

    exports io.github.streaminfer.backend.openvino;
    // JNA reads the binding's structures and implements its variadic interface by reflection
    opens io.github.streaminfer.backend.openvino.capi to com.sun.jna;

    provides io.github.streaminfer.backend.InferenceBackend with io.github.streaminfer.backend.openvino.OpenVinoBackend;
}
