package io.converge.benchmarks.replication;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.search.Search;

/**
 * The replicas' traffic counters (see {@code io.converge.replication.Replica}'s meter table),
 * summed over every replica and peer registered in one registry, at one moment.
 *
 * @param bytesSent {@code converge.bytes.sent}: serialized size of the envelopes sent
 * @param bytesReceived {@code converge.bytes.received}
 * @param deltasSent {@code converge.deltas.sent}, resends included
 * @param digestRounds {@code converge.digest.rounds}: digest requests sent
 * @param fullStatesSent {@code converge.fullstate.sent}: full states sent by anti-entropy
 */
record Meters(
    long bytesSent, long bytesReceived, long deltasSent, long digestRounds, long fullStatesSent) {

  static Meters read(MeterRegistry registry) {
    return new Meters(
        sum(registry, "converge.bytes.sent"),
        sum(registry, "converge.bytes.received"),
        sum(registry, "converge.deltas.sent"),
        sum(registry, "converge.digest.rounds"),
        sum(registry, "converge.fullstate.sent"));
  }

  Meters minus(Meters earlier) {
    return new Meters(
        bytesSent - earlier.bytesSent,
        bytesReceived - earlier.bytesReceived,
        deltasSent - earlier.deltasSent,
        digestRounds - earlier.digestRounds,
        fullStatesSent - earlier.fullStatesSent);
  }

  private static long sum(MeterRegistry registry, String name) {
    double total = 0;
    for (var counter : Search.in(registry).name(name).counters()) {
      total += counter.count();
    }
    return Math.round(total);
  }
}
