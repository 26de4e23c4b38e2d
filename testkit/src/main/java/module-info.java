/**
 * Test support for StreamInfer: the scripted backend, the backend contract test, the synthetic ONNX
 * model writer and the real-model fetch helper.
 */
module io.github.streaminfer.testkit {
    requires transitive io.github.streaminfer.core;
    requires java.desktop;
    requires org.junit.jupiter.api;
    requires org.assertj.core;
    requires com.google.protobuf;

    exports io.github.streaminfer.testkit;
    exports io.github.streaminfer.testkit.models;
    exports io.github.streaminfer.testkit.onnx;

    provides io.github.streaminfer.backend.InferenceBackend with io.github.streaminfer.testkit.ScriptedBackend;
}
