/**
 * Entry points that concern the library as a whole: {@link io.github.streaminfer.Diagnostics}, the {@code doctor}
 * that prints the backends, natives, CPU and JVM a problem report needs.
 *
 * <p>Threading: every class here is stateless and thread-safe.
 */
package io.github.streaminfer;
