/**
 * A synthetic ONNX model writer on protobuf-java alone, and models with known weights whose plain-Java references
 * let any backend's outputs be checked.
 *
 * <p>Threading: builders are single-threaded; model objects are immutable after construction.
 */
package io.github.streaminfer.synthetic;
