package io.converge.benchmarks.crdt;

import io.converge.clocks.ReplicaId;
import io.converge.crdt.GCounter;
import io.converge.crdt.PNCounter;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.cluster.ddata.SelfUniqueAddress;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Merging grow-only and positive-negative counters of {@code replicas} entries, Converge against
 * Pekko, and one increment.
 *
 * <p>Every replica has incremented both states. State A is ahead on the even replicas and B on the
 * odd ones, so the merge differs from both inputs and must build a new counter. A and B are built
 * by separate increments (no shared objects, no Pekko ancestor link between them): Pekko's {@code
 * merge} shortcuts ({@code this eq that}, {@code isAncestorOf}) do not apply, as they do not for a
 * state received from another node.
 */
@State(Scope.Benchmark)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class CounterBenchmark {

  /** The library: {@code converge} or {@code pekko}. */
  @Param({Fixtures.CONVERGE, Fixtures.PEKKO})
  public String impl;

  /** The number of replicas (entries) in each counter. */
  @Param({"3", "16", "128"})
  public int replicas;

  boolean converge;

  GCounter convergeGA;
  GCounter convergeGB;
  PNCounter convergePA;
  PNCounter convergePB;
  ReplicaId convergeReplica0;

  org.apache.pekko.cluster.ddata.GCounter pekkoGA;
  org.apache.pekko.cluster.ddata.GCounter pekkoGB;
  org.apache.pekko.cluster.ddata.PNCounter pekkoPA;
  org.apache.pekko.cluster.ddata.PNCounter pekkoPB;
  SelfUniqueAddress pekkoNode0;

  /** Creates the benchmark; JMH instantiates it. */
  public CounterBenchmark() {}

  /** Replica {@code i}'s increments in state A (B when {@code a} is false). */
  static long increments(int i, boolean a) {
    return 100 + i + ((i % 2 == 0) == a ? 7 : 0);
  }

  /** Replica {@code i}'s decrements in state A (B when {@code a} is false). */
  static long decrements(int i, boolean a) {
    return 50 + i + ((i % 2 == 0) == a ? 3 : 0);
  }

  /** Builds the two states of the chosen library. */
  @Setup(Level.Trial)
  public void setUp() {
    converge = Fixtures.isConverge(impl);
    if (converge) {
      convergeGA = convergeG(true);
      convergeGB = convergeG(false);
      convergePA = convergeP(true);
      convergePB = convergeP(false);
      convergeReplica0 = Fixtures.replica(0);
    } else {
      pekkoGA = pekkoG(true);
      pekkoGB = pekkoG(false);
      pekkoPA = pekkoP(true);
      pekkoPB = pekkoP(false);
      pekkoNode0 = Fixtures.node(0);
    }
  }

  private GCounter convergeG(boolean a) {
    GCounter c = GCounter.empty();
    for (int i = 0; i < replicas; i++) {
      c = c.increment(Fixtures.replica(i), increments(i, a));
    }
    return c.resetDelta();
  }

  private PNCounter convergeP(boolean a) {
    PNCounter c = PNCounter.empty();
    for (int i = 0; i < replicas; i++) {
      ReplicaId r = Fixtures.replica(i);
      c = c.increment(r, increments(i, a)).decrement(r, decrements(i, a));
    }
    return c.resetDelta();
  }

  private org.apache.pekko.cluster.ddata.GCounter pekkoG(boolean a) {
    org.apache.pekko.cluster.ddata.GCounter c = org.apache.pekko.cluster.ddata.GCounter.empty();
    for (int i = 0; i < replicas; i++) {
      c = c.increment(Fixtures.node(i), increments(i, a));
    }
    return c.resetDelta();
  }

  private org.apache.pekko.cluster.ddata.PNCounter pekkoP(boolean a) {
    org.apache.pekko.cluster.ddata.PNCounter c = org.apache.pekko.cluster.ddata.PNCounter.empty();
    for (int i = 0; i < replicas; i++) {
      SelfUniqueAddress n = Fixtures.node(i);
      c = c.increment(n, increments(i, a)).decrement(n, decrements(i, a));
    }
    return c.resetDelta();
  }

  /**
   * Merges grow-only counter B into A.
   *
   * @return the merged counter
   */
  @Benchmark
  public Object gCounterMerge() {
    return converge ? convergeGA.merge(convergeGB) : pekkoGA.merge(pekkoGB);
  }

  /**
   * Merges positive-negative counter B into A.
   *
   * @return the merged counter
   */
  @Benchmark
  public Object pnCounterMerge() {
    return converge ? convergePA.merge(convergePB) : pekkoPA.merge(pekkoPB);
  }

  /**
   * Increments grow-only counter A (of {@code replicas} entries) by 1 at replica 0, which has an
   * entry; both libraries also record the delta.
   *
   * @return the new counter
   */
  @Benchmark
  public Object gCounterIncrement() {
    return converge ? convergeGA.increment(convergeReplica0, 1) : pekkoGA.increment(pekkoNode0, 1L);
  }
}
