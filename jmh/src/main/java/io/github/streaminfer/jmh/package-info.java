/**
 * JMH benchmarks. Each {@code *Benchmark} measures StreamInfer next to the peer a user would otherwise pick, in
 * one run, so the figures in {@code docs/benchmarks.md} are ratios taken side by side.
 */
package io.github.streaminfer.jmh;
