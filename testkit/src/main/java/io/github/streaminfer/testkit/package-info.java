/**
 * Test support: {@link io.github.streaminfer.testkit.ScriptedModel} (deterministic outputs, latency and failure
 * injection), its {@link io.github.streaminfer.testkit.ScriptedBackend} provider, and
 * {@link io.github.streaminfer.testkit.BackendContractTest}, the abstract test every backend subclasses.
 *
 * <p>Threading: scripted models are thread-safe when their scripts are.
 */
package io.github.streaminfer.testkit;
