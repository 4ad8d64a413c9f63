/**
 * The benchmark report: reads JMH's JSON results ({@link io.converge.benchmarks.report.JmhResult})
 * and writes the tables and charts of {@code BENCHMARKS.md} ({@link
 * io.converge.benchmarks.report.BenchmarkReport}).
 */
package io.converge.benchmarks.report;
