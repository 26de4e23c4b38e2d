/**
 * Test support for StreamInfer: the scripted backend, the backend contract test, the test images and the
 * real-model fetch helper. Test scope only: the scripted backend is created by tests directly and is not provided
 * to {@code Backends} lookups.
 */
module io.github.streaminfer.testkit {
    requires transitive io.github.streaminfer.core;
    requires transitive java.desktop; // TestImages returns BufferedImage
    requires org.junit.jupiter.api;
    requires org.assertj.core;

    exports io.github.streaminfer.testkit;
    exports io.github.streaminfer.testkit.models;
}
