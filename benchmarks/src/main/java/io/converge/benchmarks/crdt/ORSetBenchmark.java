package io.converge.benchmarks.crdt;

import io.converge.clocks.ReplicaId;
import io.converge.crdt.ORSet;
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
 * {@code ORSet<String>}, Converge against Pekko: merging two full states of {@code elements}
 * elements in three {@code scenario}s ({@link #merge}), and the local operations on a set of {@code
 * elements} elements ({@link #add}, {@link #contains}, {@link #applyDelta}).
 *
 * <p>Merge inputs are built as a replica receives them. State A is the local replica's; state B is
 * built by a separate replay of its adds, so it is equal to what another replica holds but shares
 * no object with A (not even element strings). Converge's B is then encoded to Converge's protobuf
 * state message and decoded, which is literally what a replica receives. Pekko's A and B are built
 * directly from their histories by {@link Fixtures.PekkoSetBuilder} ({@code new ORSet(elements with
 * their dots, version vector, no delta)}, as Pekko's serializer builds a received state), because
 * Pekko's {@code add} draws versions from a JVM-global counter and a replay would not give equal
 * states. Pekko's {@code ORSet.merge} returns at once when {@code this eq that} or when one side's
 * {@code ancestor} field (set by {@code add} and {@code resetDelta} on the same node; {@code
 * FastMerge}) is the other object. B is a different object from A and both have a null ancestor, so
 * neither shortcut applies, as for a state deserialized from a remote node, and Pekko does its full
 * merge.
 */
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@BenchmarkMode(Mode.AverageTime)
public class ORSetBenchmark {

  /** Creates the benchmark; JMH instantiates it. */
  public ORSetBenchmark() {}

  /** The two states of a merge. */
  @State(Scope.Benchmark)
  public static class MergeState {

    /** The library: {@code converge} or {@code pekko}. */
    @Param({Fixtures.CONVERGE, Fixtures.PEKKO})
    public String impl;

    /** The number of elements of each state (of the merged state for {@code disjoint}). */
    @Param({"100", "10000", "100000"})
    public int elements;

    /**
     * How the states relate. {@code identical}: equal states of {@code elements} elements, added
     * round-robin by replicas 0 to 2 (the common anti-entropy case). {@code concurrent1pct}: each
     * side holds the same {@code elements - k} elements (replicas 0 to 2) plus {@code k = elements
     * / 100} of its own, added concurrently by replica 3 (A) or 4 (B). {@code disjoint}: A holds
     * the first half, added by replica 3, B the second half, added by replica 4.
     */
    @Param({"identical", "concurrent1pct", "disjoint"})
    public String scenario;

    boolean converge;
    ORSet<String> convergeA;
    ORSet<String> convergeB;
    org.apache.pekko.cluster.ddata.ORSet<String> pekkoA;
    org.apache.pekko.cluster.ddata.ORSet<String> pekkoB;

    /** Creates the state; JMH instantiates it. */
    public MergeState() {}

    /** Builds A and B for the chosen library. */
    @Setup(Level.Trial)
    public void setUp() {
      converge = Fixtures.isConverge(impl);
      if (converge) {
        convergeA = convergeSide(true);
        convergeB = Fixtures.wireCopy(convergeSide(false));
      } else {
        pekkoA = pekkoSide(true);
        pekkoB = pekkoSide(false);
      }
    }

    /** The number of elements each side adds on its own in {@code concurrent1pct}. */
    int ownElements() {
      return Math.max(1, elements / 100);
    }

    private ORSet<String> convergeSide(boolean a) {
      ORSet<String> empty = ORSet.empty();
      return switch (scenario) {
        case "identical" -> Fixtures.addAll(empty, "e", 0, elements, 0, 3);
        case "concurrent1pct" -> {
          int k = ownElements();
          ORSet<String> common = Fixtures.addAll(empty, "e", 0, elements - k, 0, 3);
          yield Fixtures.addAll(common, a ? "a" : "b", 0, k, a ? 3 : 4, 1);
        }
        case "disjoint" ->
            a
                ? Fixtures.addAll(empty, "e", 0, elements / 2, 3, 1)
                : Fixtures.addAll(empty, "e", elements / 2, elements, 4, 1);
        default -> throw new IllegalArgumentException("unknown scenario: " + scenario);
      };
    }

    private org.apache.pekko.cluster.ddata.ORSet<String> pekkoSide(boolean a) {
      Fixtures.PekkoSetBuilder b = new Fixtures.PekkoSetBuilder();
      switch (scenario) {
        case "identical" -> b.addAll("e", 0, elements, 0, 3);
        case "concurrent1pct" -> {
          int k = ownElements();
          b.addAll("e", 0, elements - k, 0, 3).addAll(a ? "a" : "b", 0, k, a ? 3 : 4, 1);
        }
        case "disjoint" -> {
          if (a) {
            b.addAll("e", 0, elements / 2, 3, 1);
          } else {
            b.addAll("e", elements / 2, elements, 4, 1);
          }
        }
        default -> throw new IllegalArgumentException("unknown scenario: " + scenario);
      }
      return b.build();
    }
  }

  /** A set of {@code elements} elements and the inputs of the operations on it. */
  @State(Scope.Benchmark)
  public static class SetState {

    /** The element {@link #add} adds, absent from the set. */
    static final String NEW_ELEMENT = "new-element";

    /** The element added by another replica in the delta that {@link #applyDelta} merges. */
    static final String DELTA_ELEMENT = "delta-element";

    /** The library: {@code converge} or {@code pekko}. */
    @Param({Fixtures.CONVERGE, Fixtures.PEKKO})
    public String impl;

    /** The number of elements of the set, added round-robin by replicas 0 to 2. */
    @Param({"100", "10000", "100000"})
    public int elements;

    boolean converge;
    String present;

    ORSet<String> convergeSet;
    ReplicaId convergeReplica;
    ORSet<String> convergeDelta;

    org.apache.pekko.cluster.ddata.ORSet<String> pekkoSet;
    SelfUniqueAddress pekkoNode;
    org.apache.pekko.cluster.ddata.ORSet.DeltaOp pekkoDelta;

    /** Creates the state; JMH instantiates it. */
    public SetState() {}

    /**
     * Builds the set (no pending delta), and the one-add delta made by replica 5 on its own copy of
     * the set (built by a separate replay; Converge's delta then goes through the wire format).
     */
    @Setup(Level.Trial)
    public void setUp() {
      converge = Fixtures.isConverge(impl);
      present = Fixtures.element("e", elements / 2);
      if (converge) {
        convergeSet = Fixtures.addAll(ORSet.empty(), "e", 0, elements, 0, 3);
        convergeReplica = Fixtures.replica(0);
        ORSet<String> other = Fixtures.addAll(ORSet.empty(), "e", 0, elements, 0, 3);
        convergeDelta =
            Fixtures.wireCopy(other.add(Fixtures.replica(5), DELTA_ELEMENT).delta().orElseThrow());
      } else {
        pekkoSet =
            Fixtures.addAll(org.apache.pekko.cluster.ddata.ORSet.empty(), "e", 0, elements, 0, 3);
        pekkoNode = Fixtures.node(0);
        org.apache.pekko.cluster.ddata.ORSet<String> other =
            Fixtures.addAll(org.apache.pekko.cluster.ddata.ORSet.empty(), "e", 0, elements, 0, 3);
        pekkoDelta = other.add(Fixtures.node(5), DELTA_ELEMENT).delta().get();
      }
    }
  }

  /**
   * Merges state B into state A (full states, as anti-entropy exchanges them).
   *
   * @param s the states
   * @return the merged state
   */
  @Benchmark
  @OutputTimeUnit(TimeUnit.MICROSECONDS)
  public Object merge(MergeState s) {
    return s.converge ? s.convergeA.merge(s.convergeB) : s.pekkoA.merge(s.pekkoB);
  }

  /**
   * Adds an absent element at replica 0 (a local write; both libraries also record the delta).
   *
   * @param s the set
   * @return the new set
   */
  @Benchmark
  @OutputTimeUnit(TimeUnit.NANOSECONDS)
  public Object add(SetState s) {
    return s.converge
        ? s.convergeSet.add(s.convergeReplica, SetState.NEW_ELEMENT)
        : s.pekkoSet.add(s.pekkoNode, SetState.NEW_ELEMENT);
  }

  /**
   * Looks up a present element.
   *
   * @param s the set
   * @return true
   */
  @Benchmark
  @OutputTimeUnit(TimeUnit.NANOSECONDS)
  public boolean contains(SetState s) {
    return s.converge ? s.convergeSet.contains(s.present) : s.pekkoSet.contains(s.present);
  }

  /**
   * Applies the delta of one add made by another replica: Converge {@code set.merge(delta)}, Pekko
   * {@code set.mergeDelta(delta)}.
   *
   * @param s the set and the delta
   * @return the new set
   */
  @Benchmark
  @OutputTimeUnit(TimeUnit.NANOSECONDS)
  public Object applyDelta(SetState s) {
    return s.converge ? s.convergeSet.merge(s.convergeDelta) : s.pekkoSet.mergeDelta(s.pekkoDelta);
  }
}
