package io.converge.benchmarks.clocks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.converge.benchmarks.crdt.Fixtures;
import io.converge.clocks.CausalOrder;
import io.converge.clocks.VersionVector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Checks that ClockBenchmark's states are what its javadoc says. */
class ClockBenchmarkTest {

  private static ClockBenchmark.VectorState vectors(String impl, int replicas) {
    ClockBenchmark.VectorState s = new ClockBenchmark.VectorState();
    s.impl = impl;
    s.replicas = replicas;
    s.setUp();
    return s;
  }

  @ParameterizedTest
  @ValueSource(ints = {3, 16})
  void vectorsAreConcurrentAndTheirMergeDiffersFromBoth(int replicas) {
    ClockBenchmark bench = new ClockBenchmark();
    ClockBenchmark.VectorState c = vectors(Fixtures.CONVERGE, replicas);
    assertEquals(CausalOrder.CONCURRENT, bench.versionVectorCompare(c));
    VersionVector merged = (VersionVector) bench.versionVectorMerge(c);
    assertEquals(replicas, merged.size());
    assertNotEquals(c.convergeA, merged);
    assertNotEquals(c.convergeB, merged);

    ClockBenchmark.VectorState p = vectors(Fixtures.PEKKO, replicas);
    assertEquals(
        org.apache.pekko.cluster.ddata.VersionVector.ConcurrentInstance(),
        bench.versionVectorCompare(p));
    org.apache.pekko.cluster.ddata.VersionVector pm =
        (org.apache.pekko.cluster.ddata.VersionVector) bench.versionVectorMerge(p);
    assertNotEquals(p.pekkoA, pm);
    assertNotEquals(p.pekkoB, pm);
  }

  @Test
  void clockMovesPastTheRemoteTimestamp() {
    ClockBenchmark bench = new ClockBenchmark();
    ClockBenchmark.HlcState s = new ClockBenchmark.HlcState();
    s.setUp();
    assertTrue(bench.hlcUpdate(s).isAfter(s.remote));
    assertTrue(bench.hlcNow(s).isAfter(s.remote));
  }
}
