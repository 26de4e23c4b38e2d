/**
 * Test support for StreamInfer: the scripted backend and the backend contract test.
 */
module io.github.streaminfer.testkit {
    requires transitive io.github.streaminfer.core;
    requires org.junit.jupiter.api;
    requires org.assertj.core;

    exports io.github.streaminfer.testkit;

    provides io.github.streaminfer.backend.InferenceBackend with io.github.streaminfer.testkit.ScriptedBackend;
}
