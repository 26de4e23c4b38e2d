/**
 * Synthetic ONNX models for StreamInfer: a model writer on protobuf-java alone and models with known weights and
 * plain-Java references. The standalone server, the samples and the benchmarks run them; tests check backends
 * against them.
 */
@SuppressWarnings("requires-automatic") // protobuf-java: an automatic module by its stable Automatic-Module-Name
module io.github.streaminfer.synthetic {
    requires transitive io.github.streaminfer.core;
    requires com.google.protobuf;

    exports io.github.streaminfer.synthetic;
}
