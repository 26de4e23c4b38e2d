/**
 * Test support: {@link io.github.streaminfer.testkit.ScriptedModel} (deterministic outputs, latency and failure
 * injection), the {@link io.github.streaminfer.testkit.ScriptedBackend} that loads them from text (created by tests
 * directly, never found by {@code Backends}), and
 * {@link io.github.streaminfer.testkit.BackendContractTest}, the abstract test every backend subclasses.
 *
 * <p>Threading: scripted models are thread-safe when their scripts are.
 */
package io.github.streaminfer.testkit;
