package io.converge.benchmarks.crdt;

import io.converge.clocks.HlcTimestamp;
import io.converge.crdt.LWWRegister;
import java.util.concurrent.TimeUnit;
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
 * Merging two last-writer-wins registers written by different replicas, Converge against Pekko. B
 * is the later write, so the merge returns B's value. Converge orders writes by hybrid logical
 * timestamp then replica; Pekko by its millisecond timestamp then node address. The registers are
 * built separately (no Pekko ancestor link).
 */
@State(Scope.Benchmark)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class LWWRegisterBenchmark {

  /** The physical time, in ms, of the writes. */
  static final long TIME = 1_700_000_000_000L;

  /** The library: {@code converge} or {@code pekko}. */
  @Param({Fixtures.CONVERGE, Fixtures.PEKKO})
  public String impl;

  boolean converge;
  LWWRegister<String> convergeA;
  LWWRegister<String> convergeB;
  org.apache.pekko.cluster.ddata.LWWRegister<String> pekkoA;
  org.apache.pekko.cluster.ddata.LWWRegister<String> pekkoB;

  /** Creates the benchmark; JMH instantiates it. */
  public LWWRegisterBenchmark() {}

  /** Builds the two registers of the chosen library. */
  @Setup(Level.Trial)
  public void setUp() {
    converge = Fixtures.isConverge(impl);
    if (converge) {
      convergeA = LWWRegister.of("value-a", HlcTimestamp.of(TIME, 0), Fixtures.replica(1));
      convergeB = LWWRegister.of("value-b", HlcTimestamp.of(TIME, 1), Fixtures.replica(2));
    } else {
      pekkoA =
          org.apache.pekko.cluster.ddata.LWWRegister.create(
              Fixtures.node(1), "value-a", (current, value) -> TIME);
      pekkoB =
          org.apache.pekko.cluster.ddata.LWWRegister.create(
              Fixtures.node(2), "value-b", (current, value) -> TIME + 1);
    }
  }

  /**
   * Merges register B into A.
   *
   * @return the merged register
   */
  @Benchmark
  public Object merge() {
    return converge ? convergeA.merge(convergeB) : pekkoA.merge(pekkoB);
  }
}
