package io.converge.benchmarks.replication;

/**
 * The figures of one throughput run that every measured system reports, so that Converge and Pekko
 * Distributed Data can be put side by side ({@link ComparisonTable}) and judged by the same rule
 * ({@link ReplicationBenchmark#exploded}). Counts and rates are of the measurement window.
 */
interface ThroughputFigures {

  /** The system and its configuration: {@code converge}, {@code pekko-tuned}, ... */
  String system();

  /** The configured rate, updates per second. */
  int targetRate();

  /** Lag, applied throughput and CPU, measured by the same open-loop code for every system. */
  OpenLoop.Figures load();

  /** Bytes on the wire in the window divided by the updates issued in it. */
  double bytesPerUpdate();
}
