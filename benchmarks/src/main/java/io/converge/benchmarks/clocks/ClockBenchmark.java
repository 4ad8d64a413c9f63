package io.converge.benchmarks.clocks;

import io.converge.benchmarks.crdt.Fixtures;
import io.converge.clocks.CausalOrder;
import io.converge.clocks.HlcTimestamp;
import io.converge.clocks.HybridLogicalClock;
import io.converge.clocks.ReplicaId;
import io.converge.clocks.VersionVector;
import java.util.LinkedHashMap;
import java.util.Map;
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
 * The clocks: Converge's {@link HybridLogicalClock} ({@link #hlcNow}, {@link #hlcUpdate}; Converge
 * only), and version vectors of {@code replicas} entries ({@link #versionVectorCompare}, {@link
 * #versionVectorMerge}), Converge's {@link VersionVector} against Pekko's.
 *
 * <p>Iterations are 500 ms: these operations take nanoseconds and settle quickly, which keeps the
 * whole merge benchmark set within its time budget.
 */
@Fork(1)
@Warmup(iterations = 3, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 5, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class ClockBenchmark {

  /** Creates the benchmark; JMH instantiates it. */
  public ClockBenchmark() {}

  /** A hybrid logical clock on the system clock, and a remote timestamp. */
  @State(Scope.Thread)
  public static class HlcState {

    HybridLogicalClock clock;

    /**
     * A remote timestamp taken from another clock at setup: behind the local physical clock during
     * the measurement, the common case of a message received from a peer.
     */
    HlcTimestamp remote;

    /** Creates the state; JMH instantiates it. */
    public HlcState() {}

    /** Builds the clock and the remote timestamp. */
    @Setup(Level.Trial)
    public void setUp() {
      clock = HybridLogicalClock.builder().build();
      remote = HybridLogicalClock.builder().build().now();
    }
  }

  /** Two concurrent version vectors: A ahead on the even replicas, B on the odd ones. */
  @State(Scope.Benchmark)
  public static class VectorState {

    /** The library: {@code converge} or {@code pekko}. */
    @Param({Fixtures.CONVERGE, Fixtures.PEKKO})
    public String impl;

    /** The number of replicas (entries) in each vector. */
    @Param({"3", "16", "128"})
    public int replicas;

    boolean converge;
    VersionVector convergeA;
    VersionVector convergeB;
    org.apache.pekko.cluster.ddata.VersionVector pekkoA;
    org.apache.pekko.cluster.ddata.VersionVector pekkoB;

    /** Creates the state; JMH instantiates it. */
    public VectorState() {}

    /**
     * Builds A and B separately. Converge's hold counters {@code 100 + i}, plus 1 on the side that
     * is ahead; Pekko's are made by {@code increment} (Pekko draws each new version from a global
     * counter): every node once, then the even nodes again for A and the odd ones for B.
     */
    @Setup(Level.Trial)
    public void setUp() {
      converge = Fixtures.isConverge(impl);
      if (converge) {
        convergeA = converge(true);
        convergeB = converge(false);
      } else {
        org.apache.pekko.cluster.ddata.VersionVector base =
            org.apache.pekko.cluster.ddata.VersionVector.empty();
        for (int i = 0; i < replicas; i++) {
          base = base.increment(Fixtures.node(i));
        }
        pekkoA = pekko(base, true);
        pekkoB = pekko(base, false);
      }
    }

    private VersionVector converge(boolean a) {
      Map<ReplicaId, Long> counters = new LinkedHashMap<>();
      for (int i = 0; i < replicas; i++) {
        counters.put(Fixtures.replica(i), 100L + i + ((i % 2 == 0) == a ? 1 : 0));
      }
      return VersionVector.of(counters);
    }

    private org.apache.pekko.cluster.ddata.VersionVector pekko(
        org.apache.pekko.cluster.ddata.VersionVector base, boolean a) {
      org.apache.pekko.cluster.ddata.VersionVector v = base;
      for (int i = (a ? 0 : 1); i < replicas; i += 2) {
        v = v.increment(Fixtures.node(i));
      }
      return v;
    }
  }

  /**
   * Issues a local timestamp.
   *
   * @param s the clock
   * @return the timestamp
   */
  @Benchmark
  public HlcTimestamp hlcNow(HlcState s) {
    return s.clock.now();
  }

  /**
   * Records the receipt of a remote timestamp.
   *
   * @param s the clock and the remote timestamp
   * @return the receive timestamp
   */
  @Benchmark
  public HlcTimestamp hlcUpdate(HlcState s) {
    return s.clock.update(s.remote);
  }

  /**
   * Compares A with B (concurrent).
   *
   * @param s the vectors
   * @return the order: {@link CausalOrder} or Pekko's {@code VersionVector.Ordering}
   */
  @Benchmark
  public Object versionVectorCompare(VectorState s) {
    return s.converge ? s.convergeA.compare(s.convergeB) : s.pekkoA.compareTo(s.pekkoB);
  }

  /**
   * Merges B into A; the result differs from both.
   *
   * @param s the vectors
   * @return the merged vector
   */
  @Benchmark
  public Object versionVectorMerge(VectorState s) {
    return s.converge ? s.convergeA.merge(s.convergeB) : s.pekkoA.merge(s.pekkoB);
  }
}
